import type { ComponentChildren } from 'preact';
import { navigate } from '../router';

/** An anchor that navigates inside the page (a plain link for middle-click and the keyboard). */
export function Link(props: { href: string; children: ComponentChildren; current?: boolean }) {
  const follow = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={follow} aria-current={props.current ? 'page' : undefined}>
      {props.children}
    </a>
  );
}
