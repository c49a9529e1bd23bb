import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { Rng } from '../../../framework/index.js';
import type { Sprite } from './paste.js';

/** Draws one template into a square canvas of side R (the design space is 0..100). */
export type Draw = (ctx: SKRSContext2D, rng: Rng) => void;

const R = 96;
const col = (r: number, g: number, b: number) => `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
const vary = (rng: Rng, base: [number, number, number], d = 40) => col(...(base.map((v) => Math.max(0, Math.min(255, v + rng.uniform(-d, d)))) as [number, number, number]));

function capsule(ctx: SKRSContext2D, x: number, y: number, w: number, h: number): void {
  const r = Math.min(w, h) / 2;
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, r);
  ctx.fill();
}

/**
 * Renders `draw` rotated by `angle` about the centre, binarises alpha (so masks are exact) and
 * crops to the drawn pixels, so that a sprite pasted into a w×h box spans the whole box.
 */
export function renderSprite(draw: Draw, rng: Rng, angle: number): Sprite {
  const canvas = createCanvas(R, R);
  const ctx = canvas.getContext('2d');
  ctx.translate(R / 2, R / 2);
  ctx.rotate(angle);
  ctx.scale((R / 100) * 0.7, (R / 100) * 0.7);
  ctx.translate(-50, -50);
  draw(ctx, rng);
  const rgba = ctx.getImageData(0, 0, R, R).data;
  let x0 = R, y0 = R, x1 = -1, y1 = -1;
  for (let y = 0; y < R; y++)
    for (let x = 0; x < R; x++) {
      const i = (y * R + x) * 4 + 3;
      rgba[i] = rgba[i] >= 128 ? 255 : 0;
      if (rgba[i]) (x0 = Math.min(x0, x)), (y0 = Math.min(y0, y)), (x1 = Math.max(x1, x)), (y1 = Math.max(y1, y));
    }
  if (x1 < 0) throw new Error('an occluder template drew nothing');
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) out.set(rgba.subarray(((y0 + y) * R + x0) * 4, ((y0 + y) * R + x1 + 1) * 4), y * width * 4);
  return { width, height, rgba: out };
}

/** The paper's synthetic occluders: food, hands and drinks, several templates each. */
export const OBJECT_TEMPLATES: Record<'food' | 'hands' | 'drinks', Record<string, Draw>> = {
  food: {
    apple: (c, r) => {
      c.fillStyle = vary(r, r.next() < 0.5 ? [200, 30, 30] : [120, 190, 50]);
      c.beginPath();
      c.arc(38, 55, 30, 0, Math.PI * 2);
      c.arc(62, 55, 30, 0, Math.PI * 2);
      c.fill();
      c.fillStyle = col(90, 60, 30);
      c.fillRect(48, 14, 5, 16);
      c.fillStyle = col(60, 150, 40);
      c.beginPath();
      c.ellipse(62, 20, 10, 5, -0.5, 0, Math.PI * 2);
      c.fill();
    },
    banana: (c, r) => {
      c.fillStyle = vary(r, [240, 210, 50], 20);
      c.beginPath();
      c.moveTo(10, 30);
      c.quadraticCurveTo(50, 110, 92, 28);
      c.quadraticCurveTo(50, 75, 10, 30);
      c.fill();
      c.fillStyle = col(90, 70, 30);
      c.fillRect(88, 22, 6, 8);
    },
    burger: (c, r) => {
      c.fillStyle = vary(r, [210, 150, 70], 20);
      c.beginPath();
      c.ellipse(50, 35, 42, 22, 0, Math.PI, 0);
      c.fill();
      c.fillStyle = vary(r, [80, 180, 60], 20);
      c.fillRect(8, 40, 84, 8);
      c.fillStyle = vary(r, [100, 50, 30], 20);
      c.fillRect(10, 48, 80, 14);
      c.fillStyle = vary(r, [210, 150, 70], 20);
      c.fillRect(8, 62, 84, 16);
    },
    donut: (c, r) => {
      c.fillStyle = vary(r, [200, 150, 90], 20);
      c.beginPath();
      c.arc(50, 50, 42, 0, Math.PI * 2);
      c.arc(50, 50, 14, 0, Math.PI * 2, true);
      c.fill();
      c.fillStyle = vary(r, [230, 110, 170], 60);
      c.beginPath();
      c.arc(50, 50, 34, 0, Math.PI * 2);
      c.arc(50, 50, 16, 0, Math.PI * 2, true);
      c.fill();
    },
    pizza: (c, r) => {
      c.fillStyle = vary(r, [240, 200, 80], 20);
      c.beginPath();
      c.moveTo(50, 95);
      c.lineTo(8, 12);
      c.quadraticCurveTo(50, 0, 92, 12);
      c.closePath();
      c.fill();
      c.fillStyle = col(190, 40, 30);
      for (const [x, y] of [[40, 30], [60, 35], [50, 58]]) {
        c.beginPath();
        c.arc(x, y, 8, 0, Math.PI * 2);
        c.fill();
      }
    },
  },
  hands: {
    palm: (c, r) => {
      c.fillStyle = vary(r, [220, 170, 130], 50);
      c.beginPath();
      c.roundRect(22, 45, 56, 50, 14);
      c.fill();
      for (let i = 0; i < 4; i++) capsule(c, 22 + i * 14.5, 8 + Math.abs(1.5 - i) * 6, 12, 50);
      c.save();
      c.translate(20, 70);
      c.rotate(-0.9);
      capsule(c, -6, -30, 12, 36);
      c.restore();
    },
    fist: (c, r) => {
      c.fillStyle = vary(r, [210, 160, 120], 50);
      c.beginPath();
      c.roundRect(15, 25, 70, 55, 18);
      c.fill();
      c.strokeStyle = col(150, 100, 80);
      c.lineWidth = 2;
      for (let i = 1; i < 4; i++) {
        c.beginPath();
        c.moveTo(15 + i * 17.5, 27);
        c.lineTo(15 + i * 17.5, 45);
        c.stroke();
      }
      c.fillRect(30, 78, 40, 20);
    },
    pointing: (c, r) => {
      c.fillStyle = vary(r, [225, 175, 140], 50);
      c.beginPath();
      c.roundRect(25, 45, 50, 45, 14);
      c.fill();
      capsule(c, 42, 2, 13, 55);
    },
  },
  drinks: {
    cup: (c, r) => {
      c.fillStyle = vary(r, [230, 230, 230], 30);
      c.beginPath();
      c.moveTo(15, 12);
      c.lineTo(75, 12);
      c.lineTo(68, 92);
      c.lineTo(22, 92);
      c.closePath();
      c.fill();
      c.strokeStyle = c.fillStyle as string;
      c.lineWidth = 8;
      c.beginPath();
      c.arc(78, 45, 14, -Math.PI / 2, Math.PI / 2);
      c.stroke();
      c.fillStyle = vary(r, [200, 60, 60], 60);
      c.fillRect(20, 40, 52, 14);
    },
    bottle: (c, r) => {
      c.fillStyle = vary(r, [60, 140, 70], 60);
      c.beginPath();
      c.roundRect(30, 35, 40, 62, 8);
      c.fill();
      c.fillRect(42, 5, 16, 34);
      c.fillStyle = vary(r, [240, 240, 220], 20);
      c.fillRect(30, 55, 40, 20);
    },
    can: (c, r) => {
      c.fillStyle = vary(r, [200, 30, 40], 80);
      c.fillRect(25, 12, 50, 78);
      c.fillStyle = col(190, 190, 195);
      c.beginPath();
      c.ellipse(50, 12, 25, 6, 0, 0, Math.PI * 2);
      c.fill();
      c.fillStyle = vary(r, [250, 250, 250], 10);
      c.fillRect(25, 40, 50, 10);
    },
    glass: (c, r) => {
      c.fillStyle = col(200, 220, 230);
      c.fillRect(25, 8, 50, 88);
      c.fillStyle = vary(r, [230, 150, 40], 60);
      c.fillRect(27, 35, 46, 59);
    },
  },
};

/** Natural occluders of a family never used in training (the FED-RO stand-in), each with where it sits. */
export interface NaturalTemplate {
  /** Where it is placed, as a box relative to the eye or mouth region (or the face). */
  anchor: 'eyes' | 'mouth' | 'lower-face' | 'forehead-eye' | 'mouth-side';
  draw: Draw;
}

export const NATURAL_TEMPLATES: Record<string, NaturalTemplate> = {
  sunglasses: {
    anchor: 'eyes',
    draw: (c, r) => {
      c.fillStyle = vary(r, [25, 25, 30], 20);
      for (const x of [27, 73]) {
        c.beginPath();
        c.ellipse(x, 50, 22, 17, 0, 0, Math.PI * 2);
        c.fill();
      }
      c.fillRect(45, 42, 10, 5);
    },
  },
  'medical-mask': {
    anchor: 'lower-face',
    draw: (c, r) => {
      c.fillStyle = r.next() < 0.6 ? col(170, 205, 230) : col(240, 240, 240);
      c.beginPath();
      c.roundRect(6, 18, 88, 68, 22);
      c.fill();
      c.strokeStyle = col(130, 160, 190);
      c.lineWidth = 2;
      for (const y of [38, 52, 66]) {
        c.beginPath();
        c.moveTo(14, y);
        c.lineTo(86, y);
        c.stroke();
      }
    },
  },
  'hand-over-mouth': {
    anchor: 'mouth',
    draw: (c, r) => {
      c.fillStyle = vary(r, [215, 165, 125], 45);
      c.beginPath();
      c.roundRect(4, 28, 62, 46, 16);
      c.fill();
      for (let i = 0; i < 4; i++) capsule(c, 55, 26 + i * 12, 42, 11);
    },
  },
  scarf: {
    anchor: 'lower-face',
    draw: (c, r) => {
      c.fillStyle = vary(r, [150, 50, 60], 90);
      c.beginPath();
      c.moveTo(0, 45);
      c.quadraticCurveTo(50, 30, 100, 45);
      c.lineTo(100, 100);
      c.lineTo(0, 100);
      c.closePath();
      c.fill();
      c.strokeStyle = vary(r, [240, 220, 120], 30);
      c.lineWidth = 4;
      for (const y of [60, 78]) {
        c.beginPath();
        c.moveTo(0, y);
        c.quadraticCurveTo(50, y - 12, 100, y);
        c.stroke();
      }
    },
  },
  hair: {
    anchor: 'forehead-eye',
    draw: (c, r) => {
      c.strokeStyle = vary(r, [40, 28, 20], 30);
      c.lineCap = 'round';
      for (let i = 0; i < 9; i++) {
        c.lineWidth = 6 + r.next() * 4;
        c.beginPath();
        c.moveTo(10 + i * 9, 0);
        c.quadraticCurveTo(30 + i * 6, 50, 20 + i * 8, 100);
        c.stroke();
      }
    },
  },
  microphone: {
    anchor: 'mouth-side',
    draw: (c, r) => {
      c.fillStyle = vary(r, [60, 60, 65], 20);
      c.beginPath();
      c.arc(35, 30, 24, 0, Math.PI * 2);
      c.fill();
      c.fillStyle = col(20, 20, 20);
      c.save();
      c.translate(35, 30);
      c.rotate(-0.5);
      c.fillRect(-7, 15, 14, 70);
      c.restore();
    },
  },
};
