import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { ObjectStore } from './object-store';

/**
 * Objects as files under a root directory. A put writes a temporary sibling,
 * fsyncs it, renames it over the key and fsyncs the directory: after a crash the
 * key holds either nothing or the complete object, never a prefix. Leftover
 * `*.tmp` files are garbage no index row ever names.
 */
export class FilesystemObjectStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get location(): string {
    return `file://${this.root}`;
  }

  /** Creates the root directory; call once at start-up (ping never creates it). */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    const created = await mkdir(dir, { recursive: true });
    if (created !== undefined) {
      await syncParents(created, this.root);
    }
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
    await syncDirectory(dir);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return false;
      }
      throw error;
    }
  }

  /** The root must exist as a readable, writable directory; a removed or replaced root fails. */
  async ping(): Promise<void> {
    const info = await stat(this.root);
    if (!info.isDirectory()) {
      throw new Error(`${this.root} is not a directory`);
    }
    await access(this.root, constants.R_OK | constants.W_OK | constants.X_OK);
  }

  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) {
      throw new Error(`object key escapes the store: ${key}`);
    }
    return path;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** New directories are durable once each one's entry in its parent is: fsync from `created`'s parent up to the root. */
async function syncParents(created: string, root: string): Promise<void> {
  for (let dir = dirname(created); dir.startsWith(root); dir = dirname(dir)) {
    await syncDirectory(dir);
    if (dir === root) {
      return;
    }
  }
}
