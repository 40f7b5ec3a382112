/** A failure shown where it happened, announced to screen readers. */
export function ErrorNote(props: { error: string | null }) {
  if (props.error === null) {
    return null;
  }
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  );
}
