/** Placeholder until the overview endpoint lands. */
export function OverviewView() {
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
    </section>
  );
}
