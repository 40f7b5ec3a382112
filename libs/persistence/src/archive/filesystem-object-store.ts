import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ListedObject, ObjectStore } from './object-store';

/** Files listed per page. */
const PAGE = 1000;
/** `<key>.<8 hex>.tmp`: the temporary sibling a put writes before its rename. */
const PARTIAL = /\.[0-9a-f]{8}\.tmp$/;

/**
 * Objects as files under a root directory. A put writes a temporary sibling,
 * fsyncs it, renames it over the key and fsyncs the directory: after a crash the
 * key holds either nothing or the complete object, never a prefix. Leftover
 * `*.tmp` files are garbage no index row ever names; `list` reports them as
 * partial so they can be deleted.
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

  async *list(prefix: string): AsyncIterable<ListedObject[]> {
    const slash = prefix.lastIndexOf('/');
    const pending = [slash < 0 ? this.root : this.pathOf(prefix.slice(0, slash))];
    let page: ListedObject[] = [];
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
      for (const entry of await entriesOf(dir)) {
        const path = join(dir, entry.name);
        const key = relative(this.root, path).split(sep).join('/');
        if (entry.isDirectory() && key.startsWith(prefix)) {
          pending.push(path);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const modified = await modifiedAt(path);
          if (modified !== null) {
            page.push({ key, lastModified: modified, partial: PARTIAL.test(key) });
          }
        }
        if (page.length >= PAGE) {
          yield page;
          page = [];
        }
      }
    }
    if (page.length > 0) {
      yield page;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
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

/** A directory's entries; none when it does not exist (any more). */
async function entriesOf(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
}

/** Null when the file is gone (a temporary file renamed meanwhile). */
async function modifiedAt(path: string): Promise<Date | null> {
  try {
    return (await stat(path)).mtime;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
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
