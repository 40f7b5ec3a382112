import { Part } from '../types';

const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** One message part: text as text, reasoning collapsed, tool calls and results as blocks, files as links. */
export function PartView(props: { part: Part }) {
  const { part } = props;
  switch (part.type) {
    case 'text':
      return <p class="part-text">{text(part.text)}</p>;
    case 'reasoning':
      return (
        <details class="part-reasoning">
          <summary>Reasoning</summary>
          <p>{text(part.text)}</p>
        </details>
      );
    case 'tool_call':
    case 'tool_result':
      return (
        <div class={`part-tool ${part.type}`}>
          <div class="part-label">
            {part.type === 'tool_call' ? 'Tool call' : 'Tool result'} {text(part.tool_name ?? part.name)}
            {part.tool_call_id !== undefined ? <span class="mono"> ({text(part.tool_call_id)})</span> : null}
          </div>
          <pre>{text(part.type === 'tool_call' ? (part.input ?? part.args) : (part.output ?? part.result))}</pre>
        </div>
      );
    case 'file': {
      const url = typeof part.url === 'string' ? part.url : undefined;
      const label = `File ${text(part.media_type ?? part.mediaType ?? '')} ${text(part.filename ?? '')}`.trim();
      return (
        <div class="part-file">{url !== undefined && /^https?:/.test(url) ? <a href={url}>{label}</a> : label}</div>
      );
    }
    default:
      return (
        <div class="part-tool">
          <div class="part-label">{part.type}</div>
          <pre>{JSON.stringify(part, null, 2)}</pre>
        </div>
      );
  }
}
