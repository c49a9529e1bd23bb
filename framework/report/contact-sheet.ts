import sharp from 'sharp';

/** One tile: an RGB image (size²×3, 0–255) or a grey map (h×w values in [0, 1], upsampled nearest). */
export type Tile = { rgb: ArrayLike<number> } | { gray: ArrayLike<number>; h: number; w: number } | null;

/** Lays tiles out in a grid (rows of equal length) and encodes a PNG, enlarged for viewing. */
export async function contactSheetPng(rows: Tile[][], size: number, minTile = 96): Promise<Buffer> {
  const cols = Math.max(1, ...rows.map((r) => r.length));
  const W = cols * size;
  const H = Math.max(1, rows.length) * size;
  const px = Buffer.alloc(W * H * 3, 255);
  rows.forEach((row, r) =>
    row.forEach((tile, c) => {
      if (!tile) return;
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const d = ((r * size + y) * W + c * size + x) * 3;
          if ('rgb' in tile) for (let k = 0; k < 3; k++) px[d + k] = tile.rgb[(y * size + x) * 3 + k];
          else {
            const v = Math.round(255 * tile.gray[Math.min(tile.h - 1, Math.floor((y * tile.h) / size)) * tile.w + Math.min(tile.w - 1, Math.floor((x * tile.w) / size))]);
            px[d] = px[d + 1] = px[d + 2] = v;
          }
        }
    }),
  );
  const scale = Math.max(1, Math.round(minTile / size));
  return sharp(px, { raw: { width: W, height: H, channels: 3 } }).resize(W * scale, H * scale, { kernel: 'nearest' }).png().toBuffer();
}
