import type { Occlusion } from '../../../framework/index.js';

/** An RGBA sprite whose alpha is already binary (0 or 255), so the mask is exactly what is pasted. */
export interface Sprite {
  width: number;
  height: number;
  rgba: Uint8ClampedArray | Uint8Array;
}

/**
 * Pastes `sprite` resampled (nearest neighbour) to w×h with its top-left at (x0, y0), multiplying
 * its colours by `tint`. Returns the new image and the {0,1} mask of the covered pixels.
 */
export function pasteSprite(image: Uint8Array, size: number, sprite: Sprite, x0: number, y0: number, w: number, h: number, tint: [number, number, number] = [1, 1, 1]): Occlusion {
  const out = new Uint8Array(image);
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < h; y++) {
    const iy = y0 + y;
    if (iy < 0 || iy >= size) continue;
    const sy = Math.min(sprite.height - 1, Math.floor(((y + 0.5) * sprite.height) / h));
    for (let x = 0; x < w; x++) {
      const ix = x0 + x;
      if (ix < 0 || ix >= size) continue;
      const sx = Math.min(sprite.width - 1, Math.floor(((x + 0.5) * sprite.width) / w));
      const s = (sy * sprite.width + sx) * 4;
      if (sprite.rgba[s + 3] < 128) continue;
      const d = iy * size + ix;
      mask[d] = 1;
      out[d * 3] = Math.min(255, sprite.rgba[s] * tint[0]);
      out[d * 3 + 1] = Math.min(255, sprite.rgba[s + 1] * tint[1]);
      out[d * 3 + 2] = Math.min(255, sprite.rgba[s + 2] * tint[2]);
    }
  }
  return { image: out, mask };
}

/** Fills the square [x0, x0+side) × [y0, y0+side) (clipped to the image) with a fill rule. */
export function fillSquare(image: Uint8Array, size: number, x0: number, y0: number, side: number, fill: (i: number, c: number) => number): Occlusion {
  const out = new Uint8Array(image);
  const mask = new Uint8Array(size * size);
  for (let y = Math.max(0, y0); y < Math.min(size, y0 + side); y++) {
    for (let x = Math.max(0, x0); x < Math.min(size, x0 + side); x++) {
      const d = y * size + x;
      mask[d] = 1;
      for (let c = 0; c < 3; c++) out[d * 3 + c] = fill(d, c);
    }
  }
  return { image: out, mask };
}

/** The paper's block sizes are given at a reference input size; scale them to the run's. */
export function scaledSide(size: number, referenceSize: number, imageSize: number): number {
  return Math.max(1, Math.round((size * imageSize) / referenceSize));
}

export type Fill = 'black' | 'gray' | 'noise';

/** Options shared by the square occluders (block, region): a side given at a reference scale, and a fill. */
export interface SquareOptions {
  size: number;
  referenceSize: number;
  pixels: number | null;
  fill: Fill;
}

export function squareSchema(defaultSize: number) {
  return {
    size: { type: 'number', exclusiveMinimum: 0, default: defaultSize, description: 'side in pixels at referenceSize (8, 16, 24 in the paper)' },
    referenceSize: { type: 'integer', minimum: 1, default: 100, description: 'input size at which `size` is given (the paper does not state its CK+ crop size; 100 px assumed)' },
    pixels: { type: ['integer', 'null'], minimum: 1, default: null, description: 'side in pixels at imageSize; filled in when the manifest is resolved' },
    fill: { enum: ['black', 'gray', 'noise'], default: 'black', description: 'fill: black, mid-grey, or uniform colour noise' },
  } as const;
}

/** Writes the side in pixels at the manifest's imageSize into the resolved options. */
export function resolveSquare<O extends SquareOptions>(o: O, env: { imageSize: number }): O {
  return { ...o, pixels: o.pixels ?? scaledSide(o.size, o.referenceSize, env.imageSize) };
}

/** The side in pixels of a square occluder at `imageSize`. */
export function squareSide(o: SquareOptions, imageSize: number): number {
  return Math.min(imageSize, o.pixels ?? scaledSide(o.size, o.referenceSize, imageSize));
}

export function fillRule(fill: Fill, next: () => number): (i: number, c: number) => number {
  if (fill === 'black') return () => 0;
  if (fill === 'gray') return () => 128;
  return () => Math.floor(next() * 256);
}
