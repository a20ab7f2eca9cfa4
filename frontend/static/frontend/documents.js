// Documents on the member page, the chair console and the projector.
//
// The page's own script owns the meeting socket and hands this module the
// snapshot and every sequenced event (`documents.changed`,
// `document.presented`, `presenter.changed`, `agenda.changed`). Files come
// from the documents API; their URLs hold the version's random key.
//
// Rapid page flips: the server coalesces `document.presented` (at most a few
// a second per meeting, always ending on the page the chair stopped on). The
// phone swaps the image at once (the browser drops the superseded download)
// and waits for the flips to settle before it fetches the page's text and
// the member's note.

import { _, formatNumber, interpolate, ngettext } from "./i18n.js";

const FILES = "/api/document-versions/";
const SETTLE_MS = 300;

/** "3. Title" with the title isolated, so an English title keeps its order on an Arabic page. */
function numbered(item) {
  return el("span", {}, `${item.position}. `, el("bdi", {}, item.title));
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function csrfToken() {
  const cookie = document.cookie.split("; ").find((row) => row.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.split("=")[1]);
  const main = document.getElementById("main");
  return main ? main.dataset.csrfToken || "" : "";
}

async function request(method, url, body) {
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(url, { method, credentials: "same-origin", headers, body: payload });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message =
      data && typeof data.detail === "string"
        ? data.detail
        : interpolate(_("The server refused the request (HTTP %(status)s)."), {
            status: response.status,
          });
    throw new Error(message);
  }
  return data;
}

export function pageImageUrl(key, page, size = "phone") {
  return `${FILES}${encodeURIComponent(key)}/pages/${page}/image/${size}/`;
}

function pageOf(page, count) {
  return interpolate(_("Page %(page)s of %(count)s"), {
    page: formatNumber(page),
    count: formatNumber(count),
  });
}

function shortHash(sha256) {
  return `${sha256.slice(0, 16)}…`;
}

/** Documents grouped as the agenda runs: the meeting's own first. */
function groups(documents, agenda) {
  const result = [];
  const general = documents.filter((d) => d.agenda_item_id === null);
  if (general.length) result.push({ title: _("The whole meeting"), documents: general });
  for (const item of agenda || []) {
    const own = documents.filter((d) => d.agenda_item_id === item.id);
    if (own.length) result.push({ title: numbered(item), documents: own });
  }
  const known = new Set((agenda || []).map((item) => item.id));
  const orphans = documents.filter((d) => d.agenda_item_id !== null && !known.has(d.agenda_item_id));
  if (orphans.length) result.push({ title: _("Other documents"), documents: orphans });
  return result;
}

/** A document's list entry: its name, and a mark while it is on the projector. */
function documentItem(doc, live) {
  const li = el("li");
  li.dataset.documentId = String(doc.id);
  li.append(el("span", { className: "doc-name" }, doc.title));
  if (live && live.document_id === doc.id) {
    li.append(el("span", { className: "doc-live" }, _("On the projector")));
  }
  return li;
}

/** "Version 2, 14 pages, SHA-256 …", with the hash as given (whole or short). */
function versionMeta(version, hash) {
  return el(
    "span",
    { className: "doc-meta" },
    interpolate(
      ngettext(
        "Version %(number)s, %(pages)s page, SHA-256 %(hash)s",
        "Version %(number)s, %(pages)s pages, SHA-256 %(hash)s",
        version.page_count,
      ),
      {
      number: formatNumber(version.number),
      pages: formatNumber(version.page_count),
      hash,
    }),
  );
}

function versionsDetails(doc) {
  const details = el("details", { className: "doc-versions" });
  details.append(el("summary", {}, _("Versions and SHA-256 hashes")));
  const list = el("ul");
  for (const version of doc.versions) {
    const item = el("li");
    item.append(
      el(
        "span",
        {},
        interpolate(
          ngettext(
            "Version %(number)s, %(pages)s page",
            "Version %(number)s, %(pages)s pages",
            version.page_count,
          ),
          {
          number: formatNumber(version.number),
          pages: formatNumber(version.page_count),
        }),
        version.id === (doc.current_version && doc.current_version.id) ? ` (${_("current")})` : "",
      ),
      el("code", { className: "doc-hash" }, version.sha256),
      el("a", { href: version.download_url, download: "" }, _("Download")),
    );
    list.append(item);
  }
  details.append(list);
  return details;
}

// --- member page ----------------------------------------------------------------

export class MemberDocuments {
  constructor({ root, state, announcer = null }) {
    this.root = root;
    this.announcer = announcer;
    this.documents = (state && state.documents) || [];
    this.agenda = (state && state.agenda) || [];
    this.live = (state && state.presentation) || null;
    this.storageKey = `documents.following.${root.dataset.meetingId}`;
    this.following = this.readFollowing();
    this.view = null; // {documentId, key, title, page, pageCount, downloadUrl}
    this.settleTimer = null;
    this.$ = (id) => root.querySelector(`#${id}`);
    this.$("follow-toggle").addEventListener("click", () => this.setFollowing(!this.following));
    this.$("back-to-live").addEventListener("click", () => this.setFollowing(true));
    this.$("page-prev").addEventListener("click", () => this.browse(-1));
    this.$("page-next").addEventListener("click", () => this.browse(1));
    this.$("note-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveNote();
    });
    this.renderList();
    if (this.following && this.live) this.showLive();
    this.renderFollow();
  }

  readFollowing() {
    try {
      return window.localStorage.getItem(this.storageKey) !== "off";
    } catch {
      return true;
    }
  }

  onSnapshot(snapshot) {
    this.documents = snapshot.documents || [];
    this.agenda = snapshot.agenda || [];
    this.live = snapshot.presentation || null;
    this.closeIfDeleted();
    this.renderList();
    if (this.following && this.live) this.showLive();
    this.renderFollow();
  }

  onEvent(event) {
    if (event.type === "documents.changed") {
      this.documents = event.documents;
      this.closeIfDeleted();
      this.renderList();
    } else if (event.type === "agenda.changed") {
      this.agenda = event.agenda;
      this.renderList();
    } else if (event.type === "document.presented") {
      this.live = event.presentation;
      if (this.following && this.live) this.showLive();
      this.renderList();
      this.renderFollow();
    }
  }

  /** A document the chair deleted leaves the viewer too. */
  closeIfDeleted() {
    if (!this.view || this.documents.some((d) => d.id === this.view.documentId)) return;
    this.view = null;
    window.clearTimeout(this.settleTimer);
    this.$("doc-viewer").hidden = true;
    this.$("page-image").removeAttribute("src");
    this.renderFollow();
  }

  setFollowing(following) {
    this.following = following;
    try {
      window.localStorage.setItem(this.storageKey, following ? "on" : "off");
    } catch {
      // private mode: the choice lasts for this page only
    }
    if (following && this.live) this.showLive();
    this.renderFollow();
  }

  showLive() {
    const live = this.live;
    this.show(
      {
        documentId: live.document_id,
        key: live.version_key,
        title: live.title,
        page: live.page,
        pageCount: live.page_count,
        downloadUrl: this.downloadUrl(live.document_id, live.version_key),
      },
      live.alt,
    );
  }

  downloadUrl(documentId, key) {
    const doc = this.documents.find((d) => d.id === documentId);
    const version = doc && doc.versions.find((v) => v.key === key);
    return version ? version.download_url : `${FILES}${encodeURIComponent(key)}/download/`;
  }

  open(doc) {
    const version = doc.current_version;
    if (!version) return;
    this.setFollowing(false);
    this.show({
      documentId: doc.id,
      key: version.key,
      title: doc.title,
      page: 1,
      pageCount: version.page_count,
      downloadUrl: version.download_url,
    });
    this.$("doc-viewer").scrollIntoView({ block: "start" });
    this.$("doc-title").focus();
  }

  browse(step) {
    if (!this.view) return;
    const page = this.view.page + step;
    if (page < 1 || page > this.view.pageCount) return;
    if (this.following) this.setFollowing(false);
    this.show({ ...this.view, page });
  }

  isLive(view) {
    return Boolean(
      this.live && view && this.live.version_key === view.key && this.live.page === view.page,
    );
  }

  show(view, alt = "") {
    const changed = !this.view || this.view.key !== view.key || this.view.page !== view.page;
    this.view = view;
    const image = this.$("page-image");
    const src = pageImageUrl(view.key, view.page);
    if (image.getAttribute("src") !== src) image.setAttribute("src", src);
    const full = this.$("page-full");
    if (full) full.href = src;
    image.alt = alt || pageOf(view.page, view.pageCount);
    image.dataset.page = String(view.page);
    this.$("doc-title").textContent = view.title;
    this.$("doc-title").dir = "auto";
    this.$("page-caption").textContent = pageOf(view.page, view.pageCount);
    this.$("page-prev").disabled = view.page <= 1;
    this.$("page-next").disabled = view.page >= view.pageCount;
    this.$("page-download").href = view.downloadUrl;
    this.$("doc-viewer").hidden = false;
    if (changed) {
      // The note box waits for this page's note: typing into it before the
      // note arrived would be overwritten, or saved over the real note.
      this.$("page-note").value = "";
      this.setNoteReady(false);
      this.$("page-text").textContent = "";
      window.clearTimeout(this.settleTimer);
      this.settleTimer = window.setTimeout(() => this.loadExtras(view), SETTLE_MS);
    }
    this.renderFollow();
  }

  /** The page text (also the image's alt) and my note, once flips settle. */
  async loadExtras(view) {
    const base = `${FILES}${encodeURIComponent(view.key)}/pages/${view.page}/`;
    const current = () => this.view && this.view.key === view.key && this.view.page === view.page;
    try {
      const [text, note] = await Promise.all([
        request("GET", `${base}text/`),
        request("GET", `${base}note/`),
      ]);
      if (!current()) return;
      this.$("page-text").textContent = text.text || _("This page has no text.");
      const first = (text.text || "").split("\n").find((line) => line.trim());
      if (first) this.$("page-image").alt = first.trim().slice(0, 200);
      this.$("page-note").value = note.text;
      this.$("note-status").textContent = "";
      this.setNoteReady(true);
    } catch (error) {
      if (current()) this.$("note-status").textContent = error.message;
    }
  }

  setNoteReady(ready) {
    this.$("page-note").disabled = !ready;
    this.$("note-form").querySelector('button[type="submit"]').disabled = !ready;
  }

  async saveNote() {
    if (!this.view) return;
    const view = this.view;
    const status = this.$("note-status");
    try {
      await request(
        "PUT",
        `${FILES}${encodeURIComponent(view.key)}/pages/${view.page}/note/`,
        { text: this.$("page-note").value },
      );
      status.textContent = _("Note saved.");
    } catch (error) {
      status.textContent = error instanceof TypeError ? _("The server could not be reached.") : error.message;
    }
  }

  renderFollow() {
    const toggle = this.$("follow-toggle");
    toggle.setAttribute("aria-pressed", this.following ? "true" : "false");
    const status = this.$("follow-status");
    let text;
    if (!this.live) text = this.following ? _("Following the presenter: nothing is shown now.") : _("Browsing on your own.");
    else if (this.following) text = _("Following the presenter");
    else text = _("Browsing on your own.");
    if (status.textContent !== text) status.textContent = text;
    this.$("back-to-live").hidden = this.following || !this.live || this.isLive(this.view);
    this.root.dataset.following = this.following ? "true" : "false";
  }

  renderList() {
    const list = this.$("document-list");
    list.replaceChildren();
    for (const group of groups(this.documents, this.agenda)) {
      list.append(el("h3", {}, group.title));
      const ul = el("ul");
      for (const doc of group.documents) {
        const li = documentItem(doc, this.live);
        const version = doc.current_version;
        if (version) {
          const read = el("button", { type: "button", className: "button button-small" }, _("Read"));
          read.setAttribute("aria-label", interpolate(_("Read: %(title)s"), { title: doc.title }));
          read.addEventListener("click", () => this.open(doc));
          const download = el(
            "a",
            { className: "button button-small", href: version.download_url, download: "" },
            _("Download"),
          );
          download.setAttribute("aria-label", interpolate(_("Download: %(title)s"), { title: doc.title }));
          li.append(
            read,
            download,
            versionMeta(version, shortHash(version.sha256)),
            versionsDetails(doc),
          );
        }
        ul.append(li);
      }
      list.append(ul);
    }
    const empty = document.getElementById("documents-empty");
    if (empty) empty.hidden = this.documents.length > 0;
  }
}

// --- chair console --------------------------------------------------------------

export class ChairDocuments {
  constructor({ root, state, onError = () => {} }) {
    this.root = root;
    this.meetingId = root.dataset.meetingId;
    this.documents = (state && state.documents) || [];
    this.agenda = (state && state.agenda) || [];
    this.live = (state && state.presentation) || null;
    this.onError = onError;
    this.queue = Promise.resolve();
    this.pending = 0;
    this.target = null; // the page the chair asked for, until the server has it
    this.$ = (id) => root.querySelector(`#${id}`);
    root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-doc-action]");
      if (button) this.action(button.dataset.docAction, button);
    });
    this.$("document-upload").addEventListener("submit", (event) => {
      event.preventDefault();
      this.upload(event.target);
    });
    this.render();
  }

  onSnapshot(snapshot) {
    this.documents = snapshot.documents || [];
    this.agenda = snapshot.agenda || [];
    this.live = snapshot.presentation || null;
    this.render();
  }

  onEvent(event) {
    if (event.type === "documents.changed") this.documents = event.documents;
    else if (event.type === "agenda.changed") this.agenda = event.agenda;
    else if (event.type === "document.presented") this.live = event.presentation;
    else return;
    this.render();
  }

  /** Run API calls one after another, in click order. */
  run(job) {
    this.pending += 1;
    this.queue = this.queue
      .then(async () => {
        this.onError(null);
        try {
          await job();
        } catch (error) {
          this.target = null;
          this.onError(
            error instanceof TypeError
              ? _("The server could not be reached. Check the connection and try again.")
              : error.message,
          );
        }
      })
      .finally(() => {
        this.pending -= 1;
        if (this.pending === 0) this.target = null;
        this.render();
      });
    return this.queue;
  }

  present(documentId, page) {
    return this.run(async () => {
      const state = await request("PUT", `/api/meetings/${this.meetingId}/presentation/`, {
        document_id: documentId,
        page,
      });
      this.live = state.presentation;
    });
  }

  action(name, button) {
    if (name === "present") {
      const documentId = Number(button.dataset.documentId);
      this.target = { documentId, page: 1 };
      this.render();
      this.present(documentId, 1);
      return;
    }
    if (name === "delete") {
      this.remove(Number(button.dataset.documentId));
      return;
    }
    if (!this.live) return;
    if (name === "stop") {
      this.run(async () => {
        const state = await request("DELETE", `/api/meetings/${this.meetingId}/presentation/`);
        this.live = state.presentation;
      });
      return;
    }
    const base = this.target && this.target.documentId === this.live.document_id ? this.target.page : this.live.page;
    const page = base + (name === "page-next" ? 1 : -1);
    if (page < 1 || page > this.live.page_count) return;
    this.target = { documentId: this.live.document_id, page };
    this.render();
    this.present(this.live.document_id, page);
  }

  /** Delete after a confirmation; the list drops it on `documents.changed`. */
  remove(documentId) {
    const doc = this.documents.find((d) => d.id === documentId);
    if (!doc) return;
    const question = interpolate(
      _("Delete “%(title)s” with all its versions and notes? This cannot be undone."),
      { title: doc.title },
    );
    if (!window.confirm(question)) return;
    this.run(async () => {
      await request("DELETE", `/api/documents/${documentId}/`);
    });
  }

  async upload(form) {
    const status = this.$("upload-status");
    const data = new FormData(form);
    if (!data.get("agenda_item_id")) data.delete("agenda_item_id");
    data.set("public", this.$("upload-public").checked ? "true" : "false");
    status.textContent = _("Uploading…");
    await this.run(async () => {
      try {
        await request("POST", `/api/meetings/${this.meetingId}/documents/`, data);
        form.reset();
        status.textContent = _("Uploaded.");
      } catch (error) {
        status.textContent = "";
        throw error;
      }
    });
  }

  uploadVersion(doc, input) {
    const file = input.files && input.files[0];
    if (!file) return;
    const data = new FormData();
    data.append("file", file);
    this.run(async () => {
      await request("POST", `/api/documents/${doc.id}/versions/`, data);
    });
  }

  render() {
    const live = this.live;
    const shownPage = live
      ? this.target && this.target.documentId === live.document_id
        ? this.target.page
        : live.page
      : null;
    this.$("presenting-status").textContent = live
      ? interpolate(_("Showing %(title)s, page %(page)s of %(count)s"), {
          title: live.title,
          page: formatNumber(shownPage),
          count: formatNumber(live.page_count),
        })
      : _("No document is shown.");
    const preview = this.$("presenting-preview");
    if (live) {
      const src = pageImageUrl(live.version_key, live.page);
      if (preview.getAttribute("src") !== src) preview.setAttribute("src", src);
      preview.alt = live.alt || pageOf(live.page, live.page_count);
    }
    preview.hidden = !live;
    const buttons = (name) => this.root.querySelector(`[data-doc-action="${name}"]`);
    buttons("page-prev").disabled = !live || shownPage <= 1;
    buttons("page-next").disabled = !live || shownPage >= live.page_count;
    buttons("stop").disabled = !live;
    this.renderItems();
    this.renderList();
  }

  renderItems() {
    const select = this.$("upload-item");
    const chosen = select.value;
    const options = [el("option", { value: "" }, _("The whole meeting"))];
    for (const item of this.agenda) {
      options.push(el("option", { value: String(item.id) }, `${item.position}. ${item.title}`));
    }
    select.replaceChildren(...options);
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
  }

  renderList() {
    const list = this.$("chair-document-list");
    list.replaceChildren();
    for (const group of groups(this.documents, this.agenda)) {
      list.append(el("h4", {}, group.title));
      const ul = el("ul");
      for (const doc of group.documents) {
        const li = documentItem(doc, this.live);
        const present = el("button", { type: "button", className: "button button-small button-primary" }, _("Present"));
        present.dataset.docAction = "present";
        present.dataset.documentId = String(doc.id);
        present.setAttribute("aria-label", interpolate(_("Present: %(title)s"), { title: doc.title }));
        present.disabled = !doc.current_version;
        li.append(present);
        const inputId = `new-version-${doc.id}`;
        const input = el("input", { id: inputId, type: "file", accept: "application/pdf,.pdf", className: "visually-hidden" });
        input.addEventListener("change", () => this.uploadVersion(doc, input));
        const label = el("label", { htmlFor: inputId, className: "button button-small" }, _("Upload a new version"));
        li.append(input, label);
        if (doc.current_version) {
          li.append(versionMeta(doc.current_version, doc.current_version.sha256));
        }
        if (doc.public) li.append(el("span", { className: "doc-meta" }, _("Public")));
        const remove = el("button", { type: "button", className: "button button-small button-danger" }, _("Delete"));
        remove.dataset.docAction = "delete";
        remove.dataset.documentId = String(doc.id);
        remove.setAttribute("aria-label", interpolate(_("Delete: %(title)s"), { title: doc.title }));
        li.append(remove, versionsDetails(doc));
        ul.append(li);
      }
      list.append(ul);
    }
    const empty = this.$("chair-documents-empty");
    if (empty) empty.hidden = this.documents.length > 0;
  }
}

// --- projector --------------------------------------------------------------------

export class ProjectorDocument {
  constructor({ root, state }) {
    this.root = root;
    this.image = root.querySelector("#projector-page");
    this.show((state && state.presentation) || null);
  }

  onSnapshot(snapshot) {
    this.show(snapshot.presentation || null);
  }

  onEvent(event) {
    if (event.type === "document.presented") this.show(event.presentation);
  }

  show(live) {
    this.root.hidden = !live;
    document.body.classList.toggle("showing-document", Boolean(live));
    if (!live) {
      this.image.removeAttribute("src");
      return;
    }
    // The projector cookie opens the image: no token in the URL.
    const src = live.images.projector;
    if (this.image.getAttribute("src") !== src) this.image.setAttribute("src", src);
    this.image.alt = live.alt || pageOf(live.page, live.page_count);
    this.image.dataset.page = String(live.page);
  }
}
