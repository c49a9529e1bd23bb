import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { extname, join } from 'node:path';

/** The photo formats fer-run decodes (through sharp), for every adapter that walks folders. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff'];

/**
 * Entries a walk over a dataset's folders never reads: hidden files and folders (.DS_Store, the
 * "._name" AppleDouble twin macOS writes beside every file it copies to a foreign disk or zip,
 * .ipynb_checkpoints), the __MACOSX folder of a zip made on a Mac, Windows' thumbnail caches.
 * None of them is a photo; an AppleDouble twin even ends in .png or .jpg and would fail to decode.
 */
export function isSystemEntry(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX' || name === 'Thumbs.db' || name === 'desktop.ini';
}

export const isImageFile = (name: string) => !isSystemEntry(name) && IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());

/** A folder entry is a folder, following a symbolic link (class folders are often linked in from elsewhere). */
export function isFolderEntry(dir: string, d: Dirent): boolean {
  if (d.isDirectory()) return true;
  if (!d.isSymbolicLink()) return false;
  try {
    return statSync(join(dir, d.name)).isDirectory();
  } catch {
    return false;
  }
}

/** A folder's images (paths relative to it, "/"-separated, sorted) and the other files it holds. */
export interface ImageListing {
  images: string[];
  /** Files that are neither images fer-run reads nor system entries: said in the log, never dropped silently. */
  others: string[];
}

/** Lists a folder's images; with `recursive`, those of its subfolders too (a class folder sorted into sessions). */
export function listImages(dir: string, recursive: boolean): ImageListing {
  const out: ImageListing = { images: [], others: [] };
  // Folders by their real path: a link back up the tree (a loop) is walked once, not forever.
  const seen = new Set<string>();
  const walk = (rel: string) => {
    const here = join(dir, rel);
    const real = realpathSync(here);
    if (seen.has(real)) return;
    seen.add(real);
    for (const d of readdirSync(here, { withFileTypes: true })) {
      if (isSystemEntry(d.name)) continue;
      const path = rel ? `${rel}/${d.name}` : d.name;
      if (isFolderEntry(here, d)) {
        if (recursive) walk(path);
        else out.others.push(`${path}/`);
      } else (isImageFile(d.name) ? out.images : out.others).push(path);
    }
  };
  walk('');
  out.images.sort();
  out.others.sort();
  return out;
}

/**
 * The log line for files a dataset walk left out, or null when there were none: how many, of which
 * kinds, a few of them, and how to include them.
 */
export function othersNotice(dataset: string, others: readonly string[]): string | null {
  if (others.length === 0) return null;
  const kinds = [...new Set(others.map((f) => (f.endsWith('/') ? 'folders' : extname(f).toLowerCase() || 'no extension')))];
  return (
    `${dataset}: left out ${others.length} entr${others.length === 1 ? 'y' : 'ies'} that ${others.length === 1 ? 'is' : 'are'} not ${IMAGE_EXTENSIONS.join('/')} images ` +
    `(${kinds.join(', ')}; e.g. ${others.slice(0, 3).join(', ')}). Convert images in other formats to PNG or JPEG to include them.`
  );
}
