import { createContext, useContext } from 'react';
import type { Actor } from '../modules/auth/actor.ts';

export type NavItem = { href: string; label: string };

/** What every page knows about the request it answers, without passing it through every component. */
export type PageContextValue = {
  actor: Actor | null;
  csrfToken: string;
  path: string;
  nav: NavItem[];
  flash: string | null;
  demo: boolean;
  trustName: string | null;
};

export const PageContext = createContext<PageContextValue>({
  actor: null,
  csrfToken: '',
  path: '/',
  nav: [],
  flash: null,
  demo: false,
  trustName: null,
});

export const usePage = () => useContext(PageContext);
