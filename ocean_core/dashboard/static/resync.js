// Resync: trigger a run and follow its handle until it ends (or what superseded it does).
import { api, session } from "./api.js";
import { announce, enc, h } from "./dom.js";
import { ENDED, runLine } from "./runs.js";
import { changed, label, planKinds, refresh, state } from "./state.js";

const FOLLOW = 300; // ms between two looks at a followed run

const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function dropFollow(integrationId, follow) {
  if (state.follows.get(integrationId) !== follow) return;
  state.follows.delete(integrationId);
  changed(integrationId);
}

async function resync(integrationId, kbId) {
  const path = kbId
    ? `/api/knowledge-bases/${enc(kbId)}/integrations/${enc(integrationId)}/resync`
    : `/api/integrations/${enc(integrationId)}/resync`;
  const follow = { runId: null, status: "pending", run: null, error: null };
  state.follows.set(integrationId, follow);
  changed(integrationId);
  announce(`Resync of ${integrationId} requested.`);
  let handle;
  try {
    handle = await api("POST", path);
  } catch (err) {
    follow.error = `Resync refused: ${err.message}`;
    changed(integrationId);
    announce(follow.error);
    setTimeout(() => dropFollow(integrationId, follow), 8000);
    return;
  }
  follow.runId = handle.run_id;
  refresh();
  let announcedStart = false;
  while (state.follows.get(integrationId) === follow && session.token) {
    if (handle.status === "superseded" && handle.superseded_by) follow.runId = handle.superseded_by;
    follow.status = handle.status;
    follow.run = handle.run;
    changed(integrationId);
    if (handle.status === "running" && !announcedStart) {
      announcedStart = true;
      announce(`Resync of ${integrationId} started.`);
    }
    if (ENDED.has(handle.status)) {
      const line = runLine(handle.status, handle.run, null, planKinds(integrationId));
      announce(`Resync of ${integrationId}: ${line.text}`);
      refresh();
      setTimeout(() => dropFollow(integrationId, follow), 1500);
      return;
    }
    await pause(FOLLOW);
    try {
      handle = await api("GET",
        `/api/integrations/${enc(integrationId)}/resyncs/${enc(follow.runId)}`);
    } catch (err) {
      follow.error = `Lost the run: ${err.message}`;
      changed(integrationId);
      return;
    }
  }
}

export function resyncButton(integration, kbId) {
  return h("button", {
    type: "button", class: "resync", "aria-label": `Resync ${label(integration)}`,
    onclick: () => resync(integration.id, kbId),
  }, "Resync");
}
