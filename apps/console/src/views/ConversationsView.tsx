import { useEffect, useState } from 'preact/hooks';
import { api, describeFailure, query } from '../api';
import { ErrorNote } from '../components/ErrorNote';
import { Link } from '../components/Link';
import { metadataText, timeOf } from '../format';
import { hrefOf } from '../router';
import { Conversation, ConversationPage } from '../types';

/** `key=value key2=value2` → the listing's `metadata.KEY=VALUE` filters. */
export function metadataFilters(text: string): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const pair of text.split(/\s+/).filter((token) => token.includes('='))) {
    const at = pair.indexOf('=');
    filters[`metadata.${pair.slice(0, at)}`] = pair.slice(at + 1);
  }
  return filters;
}

interface Search {
  metadata: string;
  archived: string;
}

/** The tenant's conversations: metadata filters, archived ones on demand, keyset pages. */
export function ConversationsView() {
  const [draft, setDraft] = useState<Search>({ metadata: '', archived: 'false' });
  const [search, setSearch] = useState<Search>(draft);
  const [rows, setRows] = useState<Conversation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async (from: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const params = { limit: 50, archived: search.archived, cursor: from, ...metadataFilters(search.metadata) };
      const page = await api<ConversationPage>(`/v1/conversations${query(params)}`);
      setRows((before) => (from === null ? page.conversations : [...before, ...page.conversations]));
      setCursor(page.next_cursor);
    } catch (failure) {
      setError(describeFailure(failure));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, [search]);

  return (
    <section aria-labelledby="conversations-title">
      <h1 id="conversations-title">Conversations</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch({ ...draft });
        }}
      >
        <label>
          Metadata
          <input
            name="metadata"
            placeholder="channel=web customer=acme"
            value={draft.metadata}
            onInput={(event) => setDraft({ ...draft, metadata: event.currentTarget.value })}
          />
        </label>
        <label>
          Archived
          <select
            name="archived"
            value={draft.archived}
            onChange={(event) => setDraft({ ...draft, archived: event.currentTarget.value })}
          >
            <option value="false">hidden</option>
            <option value="all">shown</option>
            <option value="true">only archived</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={error} />
      <table>
        <caption class="visually-hidden">Conversations, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">id</th>
            <th scope="col">metadata</th>
            <th scope="col">last activity</th>
            <th scope="col">last seq</th>
            <th scope="col">archived up to</th>
            <th scope="col">state</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td>
                <Link href={hrefOf({ view: 'timeline', conversationId: row.id })}>{row.id}</Link>
              </td>
              <td class="mono">{metadataText(row.metadata)}</td>
              <td>{timeOf(row.updated_at)}</td>
              <td>{row.last_seq}</td>
              <td>{row.archived_seq}</td>
              <td>{row.tombstoned ? 'deleted' : 'open'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && !loading ? <p>No conversation matches.</p> : null}
      {cursor !== null ? (
        <button type="button" disabled={loading} onClick={() => void load(cursor)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
