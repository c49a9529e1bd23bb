import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { Box, Regions, Rng } from '../../../framework/index.js';
import type { ActionUnit, Expression } from './action-units.js';
import type { Identity } from './identity.js';

/** Nuisance factors of one image (SYNTHETIC_FACES.md): pose, framing, light, background, blur, noise. */
export interface Nuisance {
  roll: number;
  yaw: number;
  scale: number;
  tx: number;
  ty: number;
  light: number;
  lightAngle: number;
  background: 'flat' | 'clutter';
  blur: number;
  noise: number;
}

type RGB = [number, number, number];
const rgb = (c: RGB, a = 1) => (a === 1 ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${a})`);
const shade = (c: RGB, f: number): RGB => c.map((v) => Math.max(0, Math.min(255, Math.round(v * f)))) as RGB;

/**
 * Draws faces with a vector renderer (Skia through @napi-rs/canvas) in a 100×100 design space,
 * mapped to size×size pixels by the pose transform. One renderer reuses one canvas.
 */
export class FaceRenderer {
  private readonly canvas;
  private readonly ctx: SKRSContext2D;

  constructor(readonly size: number) {
    this.canvas = createCanvas(size, size);
    this.ctx = this.canvas.getContext('2d');
  }

  render(id: Identity, ex: Expression, nz: Nuisance, rng: Rng): { image: Uint8Array; regions: Regions } {
    const ctx = this.ctx;
    const S = this.size;
    const a = (k: ActionUnit, side = 0) => {
      if (ex.unilateral && (k === 12 || k === 14) && side < 0) return 0;
      return (ex.au[k] ?? 0) * ex.salience;
    };
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    this.background(nz, rng);

    const k = (S / 100) * nz.scale;
    const cos = Math.cos(nz.roll) * k;
    const sin = Math.sin(nz.roll) * k;
    const ox = S / 2 + nz.tx * S;
    const oy = S * 0.52 + nz.ty * S;
    // Design point (x, y) → pixel: rotate/scale about the face centre (50, 52), then translate.
    ctx.setTransform(cos, sin, -sin, cos, ox - cos * 50 + sin * 52, oy - sin * 50 - cos * 52);
    const toPixel = (x: number, y: number): [number, number] => [ox + cos * (x - 50) - sin * (y - 52), oy + sin * (x - 50) + cos * (y - 52)];

    const cx = 50;
    const cy = 52;
    const fx = cx + nz.yaw * 4; // features shift with yaw
    const W = id.faceW;
    const H = id.faceH;

    // Hair behind the head (long styles), neck, face.
    if (id.hairStyle === 1 || id.hairStyle === 3) {
      ctx.fillStyle = rgb(id.hairColor);
      ctx.beginPath();
      ctx.ellipse(cx, cy + 4, W + 6, H + 8, 0, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.fillStyle = rgb(shade(id.skin, 0.85));
    ctx.fillRect(cx - W * 0.45, cy + H * 0.6, W * 0.9, 40);
    const grad = ctx.createRadialGradient(fx, cy - 6, 4, cx, cy, W * 1.4);
    grad.addColorStop(0, rgb(shade(id.skin, 1.06)));
    grad.addColorStop(1, rgb(shade(id.skin, 0.9)));
    ctx.fillStyle = grad;
    ctx.beginPath();
    ctx.moveTo(cx - W, cy);
    ctx.bezierCurveTo(cx - W, cy - H * 1.33, cx + W, cy - H * 1.33, cx + W, cy);
    ctx.bezierCurveTo(cx + W, cy + H * 0.7, cx + W * id.jaw * 0.7, cy + H, cx, cy + H);
    ctx.bezierCurveTo(cx - W * id.jaw * 0.7, cy + H, cx - W, cy + H * 0.7, cx - W, cy);
    ctx.fill();
    // Ears.
    ctx.fillStyle = rgb(shade(id.skin, 0.92));
    for (const s of [-1, 1]) {
      ctx.beginPath();
      ctx.ellipse(cx + s * (W + 1), id.eyeY + 3, 3, 6, 0, 0, Math.PI * 2);
      ctx.fill();
    }
    // Hair on top.
    ctx.fillStyle = rgb(id.hairColor);
    if (id.hairStyle !== 2) {
      ctx.beginPath();
      ctx.moveTo(cx - W - 1, cy - 8);
      ctx.bezierCurveTo(cx - W - 2, cy - H * 1.45, cx + W + 2, cy - H * 1.45, cx + W + 1, cy - 8);
      const fringe = id.hairStyle === 3 ? 14 : 21;
      ctx.bezierCurveTo(cx + W * 0.6, cy - fringe - 4, cx - W * 0.6, cy - fringe + 2, cx - W - 1, cy - 8);
      ctx.fill();
    }
    // Forehead (age) lines.
    if (id.ageLines > 0.4) {
      ctx.strokeStyle = rgb(shade(id.skin, 0.75), (id.ageLines - 0.4) * 0.8);
      ctx.lineWidth = 0.6;
      for (let i = 0; i < 3; i++) {
        ctx.beginPath();
        ctx.moveTo(fx - 10, id.eyeY - 14 - i * 3);
        ctx.quadraticCurveTo(fx, id.eyeY - 15.5 - i * 3, fx + 10, id.eyeY - 14 - i * 3);
        ctx.stroke();
      }
    }

    this.eyes(id, a, fx);
    this.brows(id, a, fx);
    this.nose(id, a, fx);
    this.mouth(id, a, fx);

    // Lighting: a linear gradient of light and shadow across the face.
    if (nz.light > 0) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      const dx = Math.cos(nz.lightAngle) * S * 0.5;
      const dy = Math.sin(nz.lightAngle) * S * 0.5;
      const lg = ctx.createLinearGradient(S / 2 - dx, S / 2 - dy, S / 2 + dx, S / 2 + dy);
      lg.addColorStop(0, `rgba(255,255,255,${nz.light * 0.5})`);
      lg.addColorStop(1, `rgba(0,0,0,${nz.light})`);
      ctx.fillStyle = lg;
      ctx.fillRect(0, 0, S, S);
    }

    const rgba = ctx.getImageData(0, 0, S, S).data;
    const image = new Uint8Array(S * S * 3);
    for (let i = 0, j = 0; i < S * S; i++, j += 4) {
      image[i * 3] = rgba[j];
      image[i * 3 + 1] = rgba[j + 1];
      image[i * 3 + 2] = rgba[j + 2];
    }
    if (nz.blur > 0) boxBlur(image, S, nz.blur);
    if (nz.noise > 0) for (let i = 0; i < image.length; i++) image[i] = Math.max(0, Math.min(255, Math.round(image[i] + rng.normal() * nz.noise)));

    const box = (x0: number, y0: number, x1: number, y1: number): Box => {
      const pts = [toPixel(x0, y0), toPixel(x1, y0), toPixel(x0, y1), toPixel(x1, y1)];
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      const bx = Math.max(0, Math.min(...xs));
      const by = Math.max(0, Math.min(...ys));
      return { x: bx, y: by, w: Math.min(S, Math.max(...xs)) - bx, h: Math.min(S, Math.max(...ys)) - by };
    };
    const ew = id.eyeSpacing + id.eyeSize * 2;
    const mw = id.mouthWidth / 2 + 3;
    return {
      image,
      regions: {
        eyes: box(fx - ew, id.eyeY - 9, fx + ew, id.eyeY + 5),
        mouth: box(fx - mw, id.mouthY - 5, fx + mw, id.mouthY + 9),
      },
    };
  }

  private background(nz: Nuisance, rng: Rng): void {
    const ctx = this.ctx;
    const S = this.size;
    const base: RGB = [rng.int(60) + 150, rng.int(60) + 150, rng.int(60) + 150];
    ctx.fillStyle = rgb(base);
    ctx.fillRect(0, 0, S, S);
    if (nz.background !== 'clutter') return;
    const g = ctx.createLinearGradient(0, 0, S, S);
    g.addColorStop(0, rgb([rng.int(256), rng.int(256), rng.int(256)], 0.6));
    g.addColorStop(1, rgb([rng.int(256), rng.int(256), rng.int(256)], 0.6));
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, S, S);
    const n = 6 + rng.int(8);
    for (let i = 0; i < n; i++) {
      ctx.fillStyle = rgb([rng.int(256), rng.int(256), rng.int(256)], rng.uniform(0.25, 0.6));
      const x = rng.uniform(0, S);
      const y = rng.uniform(0, S);
      const r = rng.uniform(0.05, 0.3) * S;
      if (rng.next() < 0.5) ctx.fillRect(x - r, y - r * rng.uniform(0.3, 1.5), 2 * r, 2 * r);
      else {
        ctx.beginPath();
        ctx.arc(x, y, r, 0, Math.PI * 2);
        ctx.fill();
      }
    }
  }

  private eyes(id: Identity, a: (k: ActionUnit, side?: number) => number, fx: number): void {
    const ctx = this.ctx;
    for (const s of [-1, 1]) {
      const ex = fx + s * id.eyeSpacing;
      const ey = id.eyeY;
      const w = id.eyeSize * 1.6 * (1 - 0.08 * a(6));
      const open = Math.max(0.12, id.eyeSize * 0.62 * (1 + 0.75 * a(5) - 0.5 * a(7) - 0.45 * a(6)));
      const lower = open * (1 - 0.5 * a(6) - 0.3 * a(7));
      ctx.save();
      ctx.beginPath();
      ctx.moveTo(ex - w, ey);
      ctx.quadraticCurveTo(ex, ey - open * 2, ex + w, ey);
      ctx.quadraticCurveTo(ex, ey + lower * 1.6, ex - w, ey);
      ctx.fillStyle = 'rgb(245,245,240)';
      ctx.fill();
      ctx.clip();
      ctx.fillStyle = rgb(id.iris);
      ctx.beginPath();
      ctx.arc(ex, ey - open * 0.15, id.eyeSize * 0.62, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = 'rgb(10,10,10)';
      ctx.beginPath();
      ctx.arc(ex, ey - open * 0.15, id.eyeSize * 0.28, 0, Math.PI * 2);
      ctx.fill();
      ctx.restore();
      // Upper lid line; with AU5 the white shows above the iris.
      ctx.strokeStyle = 'rgb(40,25,20)';
      ctx.lineWidth = 0.9;
      ctx.beginPath();
      ctx.moveTo(ex - w, ey);
      ctx.quadraticCurveTo(ex, ey - open * 2, ex + w, ey);
      ctx.stroke();
      // AU6 cheek raise: a crease under the eye.
      if (a(6) > 0.05) {
        ctx.strokeStyle = rgb(shade(id.skin, 0.7), Math.min(1, a(6)));
        ctx.lineWidth = 0.8;
        ctx.beginPath();
        ctx.moveTo(ex - w, ey + 2.5);
        ctx.quadraticCurveTo(ex, ey + 2.5 + 2.5 * a(6), ex + w, ey + 2.5);
        ctx.stroke();
      }
    }
  }

  private brows(id: Identity, a: (k: ActionUnit, side?: number) => number, fx: number): void {
    const ctx = this.ctx;
    ctx.strokeStyle = rgb(id.browColor);
    ctx.lineWidth = id.browThickness;
    ctx.lineCap = 'round';
    for (const s of [-1, 1]) {
      const base = id.eyeY - 6.5;
      const ix = fx + s * (id.eyeSpacing - id.eyeSize * 1.3 - 1.8 * a(4));
      const iy = base - 4.5 * a(1) + 3 * a(4);
      const ox = fx + s * (id.eyeSpacing + id.eyeSize * 1.9);
      const oy = base + 1 - 4.5 * a(2) + 0.8 * a(4);
      ctx.beginPath();
      ctx.moveTo(ix, iy);
      ctx.quadraticCurveTo((ix + ox) / 2, Math.min(iy, oy) - 2 - 1.5 * a(2) + 1.2 * a(4), ox, oy);
      ctx.stroke();
    }
    // AU4 furrow between the brows.
    if (a(4) > 0.05) {
      ctx.strokeStyle = rgb(shade(id.skin, 0.65), Math.min(1, a(4)));
      ctx.lineWidth = 0.7;
      for (const s of [-1, 1]) {
        ctx.beginPath();
        ctx.moveTo(fx + s * 1.5, id.eyeY - 9);
        ctx.lineTo(fx + s * 1.2, id.eyeY - 4);
        ctx.stroke();
      }
    }
    ctx.lineCap = 'butt';
  }

  private nose(id: Identity, a: (k: ActionUnit, side?: number) => number, fx: number): void {
    const ctx = this.ctx;
    const tipY = id.eyeY + id.noseLength - 1.5 * a(9);
    ctx.strokeStyle = rgb(shade(id.skin, 0.7));
    ctx.lineWidth = 0.9;
    ctx.beginPath();
    ctx.moveTo(fx - 1.5, id.eyeY + 2);
    ctx.quadraticCurveTo(fx - 2.5, tipY - 3, fx - id.noseWidth / 2, tipY);
    ctx.quadraticCurveTo(fx, tipY + 2.2, fx + id.noseWidth / 2, tipY);
    ctx.stroke();
    ctx.fillStyle = rgb(shade(id.skin, 0.55));
    for (const s of [-1, 1]) {
      ctx.beginPath();
      ctx.ellipse(fx + s * id.noseWidth * 0.28, tipY + 0.6, 1 + 0.4 * a(9), 0.6, 0, 0, Math.PI * 2);
      ctx.fill();
    }
    // AU9 wrinkles on the bridge; AU9/AU10/AU6+12 deepen the nasolabial folds.
    if (a(9) > 0.05) {
      ctx.strokeStyle = rgb(shade(id.skin, 0.6), Math.min(1, a(9)));
      ctx.lineWidth = 0.7;
      for (let i = 0; i < 3; i++) {
        ctx.beginPath();
        ctx.moveTo(fx - 3, id.eyeY + 1 + i * 1.6);
        ctx.lineTo(fx + 3, id.eyeY + 1 + i * 1.6);
        ctx.stroke();
      }
    }
    const fold = Math.min(1, 0.15 + 0.6 * a(9) + 0.6 * a(10) + 0.5 * a(12) + 0.3 * a(6));
    ctx.strokeStyle = rgb(shade(id.skin, 0.72), fold);
    ctx.lineWidth = 0.8;
    for (const s of [-1, 1]) {
      ctx.beginPath();
      ctx.moveTo(fx + s * (id.noseWidth / 2 + 1), tipY - 0.5);
      ctx.quadraticCurveTo(fx + s * (id.mouthWidth / 2 + 3.5), id.mouthY - 5, fx + s * (id.mouthWidth / 2 + 2.5), id.mouthY + 1);
      ctx.stroke();
    }
  }

  private mouth(id: Identity, a: (k: ActionUnit, side?: number) => number, fx: number): void {
    const ctx = this.ctx;
    const my = id.mouthY;
    const lip = id.lipThickness * (1 - 0.55 * a(23));
    const half = (s: number) => (id.mouthWidth / 2) * (1 + 0.22 * a(12, s) + 0.3 * a(20) - 0.22 * a(23) + 0.06 * a(14, s));
    const cornerY = (s: number) => my - 5.5 * a(12, s) - 1 * a(14, s) + 3.5 * a(15) + 1 * a(20);
    const L: [number, number] = [fx - half(-1), cornerY(-1)];
    const R: [number, number] = [fx + half(1), cornerY(1)];
    const open = 7 * a(26) + 2.5 * a(16) + 1.2 * a(10) + 2 * a(12) * a(6);
    const raise = 2 * a(10) + 0.8 * a(9);
    const upperTop = my - lip - raise - 0.6;
    const lineY = my + 1.5 * (a(12, -1) + a(12, 1)) / 2 - 2 * a(15) - raise * 0.5;
    const lowerTop = lineY + open;
    const lowerBottom = lowerTop + lip * 1.25 + 1.5 * a(16);

    if (open > 0.6) {
      ctx.fillStyle = 'rgb(60,20,25)';
      ctx.beginPath();
      ctx.moveTo(...L);
      ctx.quadraticCurveTo(fx, lineY - 0.5, ...R);
      ctx.quadraticCurveTo(fx, lowerTop + 1, ...L);
      ctx.fill();
      if (a(10) + a(12) + a(16) + a(20) > 0.5) {
        ctx.save();
        ctx.clip();
        ctx.fillStyle = 'rgb(240,238,225)';
        ctx.fillRect(fx - 12, lineY - 2, 24, Math.min(2.6, open * 0.45) + 1.5);
        ctx.restore();
      }
    }
    ctx.fillStyle = rgb(id.lipColor);
    ctx.beginPath();
    ctx.moveTo(...L);
    ctx.bezierCurveTo(fx - 4, upperTop - 0.5, fx - 1, upperTop - 0.8, fx, upperTop);
    ctx.bezierCurveTo(fx + 1, upperTop - 0.8, fx + 4, upperTop - 0.5, ...R);
    ctx.quadraticCurveTo(fx, lineY + 0.4, ...L);
    ctx.fill();
    ctx.fillStyle = rgb(shade(id.lipColor, 1.08));
    ctx.beginPath();
    ctx.moveTo(...L);
    ctx.quadraticCurveTo(fx, lowerTop, ...R);
    ctx.quadraticCurveTo(fx, lowerBottom + 1, ...L);
    ctx.fill();
    ctx.strokeStyle = 'rgb(90,35,40)';
    ctx.lineWidth = 0.6;
    ctx.beginPath();
    ctx.moveTo(...L);
    ctx.quadraticCurveTo(fx, lineY, ...R);
    ctx.stroke();
    // AU14 dimples at the corners.
    ctx.strokeStyle = rgb(shade(id.skin, 0.65));
    for (const s of [-1, 1]) {
      const d = a(14, s);
      if (d < 0.05) continue;
      const [x, y] = s < 0 ? L : R;
      ctx.lineWidth = 0.7;
      ctx.globalAlpha = Math.min(1, d);
      ctx.beginPath();
      ctx.arc(x + s * 1.2, y, 1.4, -Math.PI / 2, Math.PI / 2, s < 0);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
  }
}

/** One box-filter pass along x (dx = 1) or y (dx = 0) from `src` into `dst`. */
function blurPass(src: ArrayLike<number>, dst: Float32Array | Float64Array, S: number, rad: number, alongX: boolean): void {
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++)
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        let n = 0;
        for (let d = -rad; d <= rad; d++) {
          const xx = alongX ? x + d : x;
          const yy = alongX ? y : y + d;
          if (xx >= 0 && xx < S && yy >= 0 && yy < S) (sum += src[(yy * S + xx) * 3 + c]), n++;
        }
        dst[(y * S + x) * 3 + c] = sum / n;
      }
}

/** In-place box blur of radius r (pixels; fractional radii blend toward the sharp image). */
function boxBlur(img: Uint8Array, S: number, r: number): void {
  const rad = Math.max(1, Math.round(r));
  const mixW = Math.min(1, r);
  const tmp = new Float32Array(img.length);
  const out = new Float64Array(img.length);
  blurPass(img, tmp, S, rad, true);
  blurPass(tmp, out, S, rad, false);
  for (let i = 0; i < img.length; i++) img[i] = Math.round(img[i] * (1 - mixW) + out[i] * mixW);
}
