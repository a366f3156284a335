// What the page knows, shared by its modules; filled from the API by dashboard.js.

export const state = {
  integrations: [],
  details: new Map(), // integration id -> {key, kinds, cursors}: its plan's kinds, its cursors
  follows: new Map(), // integration id -> {runId, status, run, error}: runs this tab started
  route: { view: "integrations", id: null },
  history: new Map(), // integration id -> {first, older, cursor, done}
  trends: new Map(), // integration id -> {key, runs}
  webhooks: new Map(), // integration id -> its webhook stats (GET .../webhooks)
  kbs: [],
  timer: null,
};

export const label = (integration) => integration.name || integration.id;

// The kinds a run of the integration goes through, in order; null until its detail is read.
export const planKinds = (id) => state.details.get(id)?.kinds || null;

// Each kind's last committed cursor (rule 9); empty until the detail is read.
export const kindCursors = (id) => state.details.get(id)?.cursors || [];

// Something changed for one integration (a followed run moved on): repaint what shows it.
export const changed = (id) => document.dispatchEvent(new CustomEvent("ocean:changed", {
  detail: { id },
}));

// Ask for a refresh from the API now instead of at the next poll.
export const refresh = () => document.dispatchEvent(new CustomEvent("ocean:refresh"));
