/**
 * Resizes a {0,1} occlusion mask (size × size) to φ's resolution (h × w) as the paper does:
 * each low-resolution cell takes the fraction of its pixels that are occluded, thresholded at 0.5.
 */
export function downsampleMask(mask: Uint8Array, size: number, h: number, w: number, out = new Float32Array(h * w), offset = 0): Float32Array {
  const counts = new Float32Array(h * w);
  const totals = new Float32Array(h * w);
  for (let y = 0; y < size; y++) {
    const ly = Math.min(h - 1, Math.floor((y * h) / size));
    for (let x = 0; x < size; x++) {
      const lx = Math.min(w - 1, Math.floor((x * w) / size));
      const k = ly * w + lx;
      totals[k]++;
      counts[k] += mask[y * size + x];
    }
  }
  for (let k = 0; k < h * w; k++) out[offset + k] = counts[k] / totals[k] >= 0.5 ? 1 : 0;
  return out;
}
