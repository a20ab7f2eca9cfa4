// The motions page: every motion with its supporters, amendments (as changes
// of the text) and votes, live from the meeting socket. What a viewer may do
// comes from the page (data-actions, from motions.permissions); the server
// checks again. Actions go over REST; the socket brings the new state.
import { MeetingSocket } from "./meeting-socket.js";
import { applyEvent, el, readInitialSnapshot } from "./meeting-state.js";
import { request } from "./api.js";
import { changeView, paragraphsOf, stateLabel, textView, withWords } from "./motion-text.js";
import { _, formatNumber, interpolate, ngettext } from "./i18n.js";

const main = document.getElementById("main");
const list = document.getElementById("motions-list");
const errorLine = document.getElementById("motions-error");
const announcer = document.getElementById("announcer");
const resolutionBox = document.getElementById("resolution");
const meetingId = main.dataset.meetingId;
const me = Number(main.dataset.participantId);
const may = new Set((main.dataset.actions || "").split(" ").filter(Boolean));
let state = readInitialSnapshot();
const drawn = new Map(); // motion id -> the key it was drawn with

function applyMotionEvent(current, event) {
  switch (event.type) {
    case "motions.changed":
      return { ...current, motions: event.motions, motion_settings: event.motion_settings };
    case "resolution.changed":
      return { ...current, resolution: event.resolution };
    case "motion.projected":
      return { ...current, motion_projection: event.motion_projection };
    default:
      return applyEvent(current, event);
  }
}

async function act(method, url, body, done) {
  errorLine.textContent = "";
  try {
    await request(method, url, body);
    if (done) announcer.textContent = done;
    return true;
  } catch (error) {
    errorLine.textContent = error.message;
    return false;
  }
}

function pollOf(id) {
  return id ? (state.polls || []).find((poll) => poll.id === id) || null : null;
}

function button(label, onClick, quiet = false) {
  const node = el("button", { type: "button", className: quiet ? "button button-quiet" : "button" }, label);
  node.addEventListener("click", onClick);
  return node;
}

function pollLine(pollId, name) {
  const poll = pollOf(pollId);
  if (!poll) return null;
  const line = el("div", { className: "motion-poll" });
  if (poll.state === "open") {
    line.append(
      el("p", {}, _("Voting is open."), " ", el("a", { href: `/meetings/${meetingId}/` }, _("Vote on the meeting page"))),
    );
    if (may.has("motion.vote")) {
      line.append(
        button(interpolate(_("Close the vote on %(name)s"), { name }), () =>
          act("POST", `/api/polls/${poll.id}/close/`, undefined, _("The vote is closed.")),
        ),
      );
    }
  } else if (poll.result && poll.result.sentence) {
    line.append(el("p", { className: "motion-result", dir: "auto" }, poll.result.sentence));
  }
  return line;
}

function amendmentItem(motion, amendment) {
  const name = interpolate(_("amendment %(a)s to motion %(n)s"), { a: amendment.number, n: motion.number });
  const item = el(
    "li",
    {},
    el(
      "p",
      {},
      el("strong", {}, interpolate(_("Amendment %(a)s"), { a: amendment.number })),
      " · ",
      ...withWords(_("by %(name)s"), {}, "name", amendment.proposer),
      " · ",
      el("span", { className: "motion-state" }, stateLabel(amendment.state)),
    ),
    changeView(amendment.change),
  );
  if (amendment.reasons) item.append(el("p", { dir: "auto" }, amendment.reasons));
  const actions = el("div", { className: "motion-actions" });
  if (amendment.state === "submitted" && motion.state === "admitted" && may.has("motion.vote")) {
    actions.append(
      button(interpolate(_("Put %(name)s to the vote"), { name }), () =>
        act("POST", `/api/amendments/${amendment.id}/vote/`, {}, _("The vote is open.")),
      ),
    );
  }
  if (amendment.state === "submitted" && (amendment.proposer_id === me || may.has("motion.refer"))) {
    actions.append(
      button(interpolate(_("Withdraw %(name)s"), { name }), () =>
        act("POST", `/api/amendments/${amendment.id}/withdraw/`, undefined, _("Withdrawn.")), true),
    );
  }
  if (may.has("motion.project")) {
    actions.append(
      button(interpolate(_("Show %(name)s on the projector"), { name }), () =>
        act("POST", `/api/meetings/${meetingId}/motion-projection/`, {
          motion_id: motion.id,
          amendment_id: amendment.id,
        }), true),
    );
  }
  if (actions.childElementCount) item.append(actions);
  const poll = pollLine(amendment.poll_id, name);
  if (poll) item.append(poll);
  return item;
}

function amendForm(motion) {
  const id = `amend-${motion.id}`;
  const choices = [
    ["replace", _("Replace paragraph")],
    ["insert", _("Insert after paragraph (0: at the start)")],
    ["delete", _("Delete paragraph")],
  ];
  const select = el("select", { id: `${id}-action`, name: "action" },
    ...choices.map(([value, label]) => el("option", { value }, label)));
  const number = el("input", {
    id: `${id}-paragraph`, name: "paragraph", type: "number", min: "0",
    max: String(motion.paragraphs.length), value: "1", required: true,
  });
  const text = el("textarea", { id: `${id}-text`, name: "text", rows: 3 });
  const reasons = el("textarea", { id: `${id}-reasons`, name: "reasons", rows: 2 });
  const form = el(
    "form", {},
    el("p", {}, el("label", { htmlFor: select.id }, _("Change")), select),
    el("p", {}, el("label", { htmlFor: number.id }, _("Paragraph")), number),
    el("p", {}, el("label", { htmlFor: text.id }, _("New text")), text),
    el("p", {}, el("label", { htmlFor: reasons.id }, _("Reasons")), reasons),
    el("p", {}, el("button", { type: "submit", className: "button" },
      interpolate(_("Propose the amendment to motion %(n)s"), { n: motion.number }))),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act("POST", `/api/motions/${motion.id}/amendments/`, {
      action: select.value,
      paragraph: Number(number.value),
      text: text.value,
      reasons: reasons.value,
    }, _("The amendment is proposed."));
  });
  return el("details", {}, el("summary", {},
    interpolate(_("Propose an amendment to motion %(n)s"), { n: motion.number })), form);
}

function chairControls(motion) {
  const actions = el("div", { className: "motion-actions" });
  const name = interpolate(_("motion %(n)s"), { n: motion.number });
  if (motion.state === "submitted" && may.has("motion.admit")) {
    const select = el("select", { id: `admit-${motion.id}` },
      ...(state.agenda || []).map((item) => el("option", { value: String(item.id) }, `${item.position}. ${item.title}`)));
    actions.append(
      el("p", {}, el("label", { htmlFor: select.id }, interpolate(_("Agenda item for %(name)s"), { name })), select),
      button(interpolate(_("Admit %(name)s"), { name }), () =>
        act("POST", `/api/motions/${motion.id}/admit/`, { agenda_item_id: Number(select.value) }, _("Admitted."))),
    );
  }
  if (motion.state === "admitted" && may.has("motion.vote")) {
    actions.append(button(interpolate(_("Put %(name)s to the vote"), { name }), () =>
      act("POST", `/api/motions/${motion.id}/vote/`, {}, _("The vote is open."))));
  }
  if (["submitted", "admitted"].includes(motion.state) && may.has("motion.refer")) {
    const input = el("input", { id: `refer-${motion.id}`, maxLength: 300 });
    actions.append(
      el("p", {}, el("label", { htmlFor: input.id }, interpolate(_("Refer %(name)s to"), { name })), input),
      button(interpolate(_("Refer %(name)s"), { name }), () =>
        act("POST", `/api/motions/${motion.id}/refer/`, { referred_to: input.value }, _("Referred.")), true),
    );
  }
  if (["submitted", "admitted"].includes(motion.state) && (motion.submitter_id === me || may.has("motion.refer"))) {
    actions.append(button(interpolate(_("Withdraw %(name)s"), { name }), () =>
      act("POST", `/api/motions/${motion.id}/withdraw/`, undefined, _("Withdrawn.")), true));
  }
  if (may.has("motion.project")) {
    actions.append(button(interpolate(_("Show %(name)s on the projector"), { name }), () =>
      act("POST", `/api/meetings/${meetingId}/motion-projection/`, { motion_id: motion.id, amendment_id: null }), true));
  }
  return actions.childElementCount ? actions : null;
}

function motionCard(motion) {
  const supporters = motion.supporters.map((s) => s.name).join(", ");
  const mine = motion.supporters.some((s) => s.participant_id === me);
  const card = el(
    "article", { className: "motion-card", "aria-labelledby": `motion-${motion.id}-title` },
    el("h3", { id: `motion-${motion.id}-title` },
      ...withWords(_("Motion %(n)s: %(title)s"), { n: motion.number }, "title", motion.title)),
    el("p", {},
      el("span", { className: "motion-state" }, stateLabel(motion.state)),
      " · ", ...withWords(_("by %(name)s"), {}, "name", motion.submitter),
      motion.referred_to ? ` · ${interpolate(_("referred to %(to)s"), { to: motion.referred_to })}` : ""),
    el("p", {}, interpolate(_("Supporters: %(count)s of %(needed)s needed"), {
      count: motion.supporters.length, needed: state.motion_settings.min_supporters,
    }), supporters ? ` (${supporters})` : ""),
  );
  if (motion.final) {
    card.append(
      el("h4", {}, _("Final text")),
      textView(paragraphsOf(motion.final.text), "motion-text motion-final"),
      el("p", { className: "motion-hash" }, `SHA-256: ${motion.final.sha256}`),
    );
  } else {
    card.append(el("h4", {}, _("Text")), textView(paragraphsOf(motion.current_text)));
  }
  if (motion.reasons) card.append(el("h4", {}, _("Reasons")), el("p", { dir: "auto" }, motion.reasons));
  if (motion.state === "submitted" && motion.submitter_id !== me && may.has("motion.support")) {
    const label = mine
      ? interpolate(_("Take back my support for motion %(n)s"), { n: motion.number })
      : interpolate(_("Support motion %(n)s"), { n: motion.number });
    card.append(el("div", { className: "motion-actions" }, button(label, () =>
      act("POST", `/api/motions/${motion.id}/support/`, { support: !mine }, mine ? _("Support taken back.") : _("Supported.")))));
  }
  const controls = chairControls(motion);
  if (controls) card.append(controls);
  const poll = pollLine(motion.poll_id, interpolate(_("motion %(n)s"), { n: motion.number }));
  if (poll) card.append(poll);
  if (motion.amendments.length) {
    card.append(el("h4", {}, _("Amendments")),
      el("ul", { className: "amendment-list" }, ...motion.amendments.map((a) => amendmentItem(motion, a))));
  }
  if (["submitted", "admitted"].includes(motion.state) && may.has("amendment.submit")) {
    card.append(amendForm(motion));
  }
  return card;
}

function drawKey(motion) {
  const polls = [motion.poll_id, ...motion.amendments.map((a) => a.poll_id)].map(pollOf);
  return JSON.stringify([motion, polls, state.motion_settings, state.agenda]);
}

function renderMotions() {
  const motions = state.motions || [];
  const rule = state.motion_settings;
  document.getElementById("motions-rule").textContent = interpolate(
    ngettext(
      "A motion needs %(n)s supporter to be admitted.",
      "A motion needs %(n)s supporters to be admitted.",
      rule.min_supporters,
    ),
    { n: formatNumber(rule.min_supporters) },
  );
  if (!motions.length) {
    list.replaceChildren(el("p", {}, _("No motions yet.")));
    drawn.clear();
    return;
  }
  // Redraw only the motions that changed, so a half-typed amendment survives others' changes.
  const cards = motions.map((motion) => {
    const key = drawKey(motion);
    const old = document.getElementById(`motion-card-${motion.id}`);
    if (old && drawn.get(motion.id) === key) return old;
    drawn.set(motion.id, key);
    const card = motionCard(motion);
    card.id = `motion-card-${motion.id}`;
    return card;
  });
  list.replaceChildren(...cards);
}

function renderResolution() {
  const resolution = state.resolution;
  if (!resolution) {
    resolutionBox.replaceChildren(el("p", {}, _("No resolution yet.")));
    return;
  }
  const states = {
    draft: _("Draft"), voting: _("Being voted on"), adopted: _("Adopted"), rejected: _("Rejected"),
  };
  const box = el("div", {},
    el("p", { className: "motion-state" }, states[resolution.state] || resolution.state),
    textView(paragraphsOf(resolution.text)),
    el("p", { className: "motion-hash" }, `SHA-256: ${resolution.sha256}`));
  if (resolution.state === "draft" && may.has("resolution.manage")) {
    box.append(button(_("Put the resolution to the vote"), () =>
      act("POST", `/api/meetings/${meetingId}/resolution/vote/`, {}, _("The vote is open."))));
  }
  const poll = pollLine(resolution.poll_id, _("the resolution"));
  if (poll) box.append(poll);
  resolutionBox.replaceChildren(box);
}

function render() {
  renderMotions();
  renderResolution();
}

const submitForm = document.getElementById("motion-submit-form");
if (submitForm) {
  submitForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(submitForm);
    const ok = await act("POST", `/api/meetings/${meetingId}/motions/`, {
      title: data.get("title"), text: data.get("text"), reasons: data.get("reasons"),
    }, _("The motion is submitted."));
    if (ok) submitForm.reset();
  });
}
const resolutionForm = document.getElementById("resolution-form");
if (resolutionForm) {
  resolutionForm.addEventListener("submit", (event) => {
    event.preventDefault();
    act("POST", `/api/meetings/${meetingId}/resolution/`, {
      title: new FormData(resolutionForm).get("title"),
    }, _("The resolution is gathered."));
  });
}

render();
new MeetingSocket({
  meetingId,
  banner: document.getElementById("connection-banner"),
  loginUrl: main.dataset.loginUrl,
  onSnapshot(snapshot) {
    state = snapshot;
    render();
  },
  onEvent(event) {
    state = applyMotionEvent(state, event);
    render();
  },
}).start();
