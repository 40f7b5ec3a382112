import { useEffect, useState } from 'preact/hooks';
import { Link } from './components/Link';
import { hrefOf, navigate, Route, useRoute } from './router';
import { forgetCredential, storedCredential } from './session';
import { ConsoleSettings, loadSettings } from './settings';
import { currentSwitch, leaveTenant } from './tenant-switch';
import { AgentsView } from './views/AgentsView';
import { ConversationsView } from './views/ConversationsView';
import { DeliveriesView } from './views/DeliveriesView';
import { OverviewView } from './views/OverviewView';
import { SignIn } from './views/SignIn';
import { TimelineView } from './views/TimelineView';

const SECTIONS: Array<{ route: Route; label: string; views: Route['view'][] }> = [
  { route: { view: 'conversations' }, label: 'Conversations', views: ['conversations', 'timeline'] },
  { route: { view: 'agents' }, label: 'Agents', views: ['agents', 'deliveries'] },
  { route: { view: 'overview' }, label: 'Overview', views: ['overview'] },
];

export function App() {
  const [signedIn, setSignedIn] = useState(() => storedCredential() !== null);
  const [settings, setSettings] = useState<ConsoleSettings | null>(null);
  const route = useRoute();

  useEffect(() => {
    void loadSettings().then(setSettings);
  }, []);

  if (!signedIn) {
    return <SignIn onSignedIn={() => setSignedIn(true)} />;
  }
  const signOut = async () => {
    await leaveTenant().catch(() => undefined);
    forgetCredential();
    setSignedIn(false);
    navigate(hrefOf({ view: 'conversations' }));
  };
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Threadline</span>
        <nav aria-label="Sections">
          {SECTIONS.map((section) => (
            <Link key={section.label} href={hrefOf(section.route)} current={section.views.includes(route.view)}>
              {section.label}
            </Link>
          ))}
        </nav>
        {currentSwitch() !== null ? (
          <span class="tenant-note">tenant {currentSwitch()?.tenant} (admin view)</span>
        ) : null}
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        <RouteView route={route} settings={settings} />
      </main>
    </>
  );
}

function RouteView(props: { route: Route; settings: ConsoleSettings | null }) {
  const { route, settings } = props;
  switch (route.view) {
    case 'conversations':
      return <ConversationsView />;
    case 'timeline':
      return settings === null ? null : (
        <TimelineView key={route.conversationId} conversationId={route.conversationId} settings={settings} />
      );
    case 'agents':
      return <AgentsView />;
    case 'deliveries':
      return <DeliveriesView key={route.agentId} agentId={route.agentId} />;
    case 'overview':
      return <OverviewView />;
  }
}
