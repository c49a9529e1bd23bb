import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { InputError, Rng } from '../../../framework/index.js';
import type { Sprite } from './paste.js';
import { renderSprite, type Draw } from './sprites.js';

/**
 * Renders `variants` seeded variants (colour, rotation) of each template once, at plugin build
 * time, so that an occlusion is a resample-and-paste (thousands per second), not a redraw.
 */
export function renderBank(templates: Record<string, Draw>, variants: number, seed: number, maxAngle: number): { name: string; sprite: Sprite }[] {
  const bank: { name: string; sprite: Sprite }[] = [];
  for (const [name, draw] of Object.entries(templates)) {
    for (let v = 0; v < variants; v++) {
      const rng = Rng.derive(seed, `${name}/${v}`);
      bank.push({ name, sprite: renderSprite(draw, rng, rng.uniform(-maxAngle, maxAngle)) });
    }
  }
  return bank;
}

/** Loads a user's directory of RGBA PNG templates (alpha binarised at 50%). */
export async function loadPngTemplates(dir: string): Promise<{ name: string; sprite: Sprite }[]> {
  if (!existsSync(dir)) throw new InputError(`occluder templates directory ${dir} does not exist. Give a directory of RGBA PNG files, or null.`);
  const files = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.png')).sort();
  if (files.length === 0) throw new InputError(`occluder templates directory ${dir} holds no .png files.`);
  const out: { name: string; sprite: Sprite }[] = [];
  for (const f of files) {
    try {
      const { data, info } = await sharp(join(dir, f)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const rgba = new Uint8Array(data);
      for (let i = 3; i < rgba.length; i += 4) rgba[i] = rgba[i] >= 128 ? 255 : 0;
      out.push({ name: f, sprite: { width: info.width, height: info.height, rgba } });
    } catch (e) {
      throw new InputError(`${join(dir, f)}: cannot read this PNG template (${(e as Error).message}).`);
    }
  }
  return out;
}
