import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemObjectStore } from './filesystem-object-store';
import { ListedObject } from './object-store';

async function listAll(store: FilesystemObjectStore, prefix: string): Promise<ListedObject[]> {
  const all: ListedObject[] = [];
  for await (const page of store.list(prefix)) {
    all.push(...page);
  }
  return all.sort((a, b) => a.key.localeCompare(b.key));
}

describe('FilesystemObjectStore', () => {
  let root: string;
  let store: FilesystemObjectStore;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'threadline-fs-store-'));
    store = new FilesystemObjectStore(root);
    await store.init();
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('puts, gets and tells whether an object exists', async () => {
    await store.put('segments/t/0/a.ndjson.gz', Buffer.from('one'));
    expect((await store.get('segments/t/0/a.ndjson.gz'))?.toString()).toBe('one');
    expect(await store.exists('segments/t/0/a.ndjson.gz')).toBe(true);
    expect(await store.get('segments/t/0/missing')).toBeNull();
    expect(await store.exists('segments/t/0/missing')).toBe(false);
  });

  it('lists every object under a prefix across directories, temporary files as partial, other prefixes left out', async () => {
    await store.put('segments/t/0/a.ndjson.gz', Buffer.from('a'));
    await store.put('segments/t/1/b.ndjson.gz', Buffer.from('b'));
    await store.put('segments/tt/0/c.ndjson.gz', Buffer.from('c'));
    await store.put('other/d', Buffer.from('d'));
    writeFileSync(join(root, 'segments/t/1/b.ndjson.gz.0a1b2c3d.tmp'), 'half');

    const listed = await listAll(store, 'segments/t/');
    expect(listed.map(({ key, partial }) => ({ key, partial }))).toEqual([
      { key: 'segments/t/0/a.ndjson.gz', partial: false },
      { key: 'segments/t/1/b.ndjson.gz', partial: false },
      { key: 'segments/t/1/b.ndjson.gz.0a1b2c3d.tmp', partial: true },
    ]);
    expect(listed.every((o) => o.lastModified.getTime() > 0)).toBe(true);
    expect((await listAll(store, '')).map((o) => o.key)).toHaveLength(5);
    expect(await listAll(store, 'segments/none/')).toEqual([]);
  });

  it('deletes objects and partial leftovers by key; deleting nothing is no error', async () => {
    await store.put('segments/t/0/a.ndjson.gz', Buffer.from('a'));
    writeFileSync(join(root, 'segments/t/0/a.ndjson.gz.0a1b2c3d.tmp'), 'half');
    await store.delete('segments/t/0/a.ndjson.gz');
    await store.delete('segments/t/0/a.ndjson.gz.0a1b2c3d.tmp');
    await store.delete('segments/t/0/never-there');
    expect(await listAll(store, '')).toEqual([]);
  });

  it('refuses keys that escape the root', async () => {
    await expect(store.delete('../outside')).rejects.toThrow(/escapes the store/);
    await expect(store.put('../outside', Buffer.from('x'))).rejects.toThrow(/escapes the store/);
  });
});
