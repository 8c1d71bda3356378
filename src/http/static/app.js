// reel dashboard: plain JS, no build step. The API key lives in
// localStorage and in the reel_key cookie (so <video>, <img> and
// EventSource requests carry it without putting it in URLs).
'use strict';
const $ = (sel, el = document) => el.querySelector(sel);
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
let stream = null;

function key() { return localStorage.getItem('reel_key') || ''; }
function setKey(k) {
  localStorage.setItem('reel_key', k);
  document.cookie = 'reel_key=' + encodeURIComponent(k) + '; path=/; SameSite=Strict';
}

async function api(path, opts = {}) {
  opts.headers = Object.assign({'Authorization': 'Bearer ' + key()}, opts.headers || {});
  const r = await fetch('/api' + path, opts);
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = {error: {message: text}}; }
  if (!r.ok) { const e = new Error((body && body.error && body.error.message) || r.statusText); e.status = r.status; e.body = body; throw e; }
  return body;
}

function statusBadge(s) { return `<span class="status ${esc(s)}" data-status="${esc(s)}">${esc(s)}</span>`; }
function fmtScore(s) { return s == null ? '<span class="mut">–</span>' : Number(s).toFixed(2); }

async function showJobs() {
  const m = $('#main');
  let jobs;
  try { jobs = await api('/jobs?limit=100'); } catch (e) { m.innerHTML = `<p class="err">${esc(e.message)}</p>${e.status === 401 ? '<p>Enter an API key above (<code>reel keys create --user UUID</code>).</p>' : ''}`; return; }
  m.innerHTML = `<h2>Jobs</h2><table id="jobs"><thead><tr><th>Title</th><th>Status</th><th>Score</th><th>Created</th><th>Id</th></tr></thead><tbody>${
    jobs.map(j => `<tr class="job" data-id="${esc(j.id)}"><td>${esc(j.title)}</td><td>${statusBadge(j.status)}</td><td>${fmtScore(j.score)}</td><td class="mut">${esc(j.created_at)}</td><td class="mut">${esc(j.id.slice(0, 8))}</td></tr>`).join('')
  }</tbody></table>${jobs.length ? '' : '<p class="mut">No jobs yet. <a href="#/new">Start a new edit</a>.</p>'}`;
  m.querySelectorAll('tr.job').forEach(tr => tr.onclick = () => { location.hash = '#/jobs/' + tr.dataset.id; });
}

function showNew() {
  $('#main').innerHTML = `<h2>New edit</h2><form id="newjob" class="card">
    <p><label>Brief<br><textarea name="brief" rows="4" cols="70" required placeholder="A 20 second teaser, fast pace, captions on"></textarea></label></p>
    <p><label>Title (optional)<br><input name="title" size="60"></label></p>
    <p><label>Script (optional): what is said, as text, SRT or WebVTT; the captions show these words<br><textarea name="script" rows="4" cols="70" placeholder="Welcome to reel. It reads your footage and writes a plan."></textarea></label></p>
    <p><label>Footage, music, logo…<br><input type="file" name="files" multiple></label></p>
    <p><button type="submit">Start the edit</button> <span id="newmsg"></span></p></form>`;
  $('#newjob').onsubmit = async ev => {
    ev.preventDefault();
    const fd = new FormData(ev.target);
    if (!fd.get('title')) fd.delete('title');
    if (!fd.get('script')) fd.delete('script');
    $('#newmsg').textContent = 'Uploading…';
    try {
      const j = await api('/jobs', {method: 'POST', body: fd});
      location.hash = '#/jobs/' + j.id;
    } catch (e) { $('#newmsg').innerHTML = `<span class="err">${esc(e.message)}</span>`; }
  };
}

// Line diff (LCS) of two texts.
function diffLines(a, b) {
  const x = a.split('\n'), y = b.split('\n'), n = x.length, m = y.length;
  if (n * m > 4e6) return `<pre>${esc(b)}</pre>`;
  const L = Array.from({length: n + 1}, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--)
    L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  let i = 0, j = 0, out = [];
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push(`<span>  ${esc(x[i])}</span>`); i++; j++; }
    else if (L[i + 1][j] >= L[i][j + 1]) out.push(`<span class="del">- ${esc(x[i++])}</span>`);
    else out.push(`<span class="add">+ ${esc(y[j++])}</span>`);
  }
  while (i < n) out.push(`<span class="del">- ${esc(x[i++])}</span>`);
  while (j < m) out.push(`<span class="add">+ ${esc(y[j++])}</span>`);
  return `<pre class="diff">${out.join('\n')}</pre>`;
}

function renderPlans(plans) {
  if (!plans.length) return '<p class="mut">No plan yet.</p>';
  const txt = p => JSON.stringify(p.plan_data ?? p.plan ?? p, null, 2);
  let h = '<div class="plans">';
  plans.forEach((p, i) => {
    h += `<div class="card"><h4>Version ${esc(p.version)}</h4>${i === 0 ? `<pre>${esc(txt(p))}</pre>` : diffLines(txt(plans[i - 1]), txt(p))}</div>`;
  });
  return h + '</div>';
}

function renderReport(rep) {
  if (!rep || !rep.report) return '<p class="mut">Not evaluated yet.</p>';
  const r = rep.report, ms = r.metrics || [];
  return `<p>Overall <b id="overall">${fmtScore(rep.score ?? r.overall)}</b> · plan v${esc(rep.plan_version)} · ${r.golden ? 'golden' : 'not golden'}</p>` +
    ms.map(m => `<div class="metric"><b>${esc(m.metric)}</b><span class="${m.gate === false ? 'gate-fail' : ''}">${m.applicable === false ? 'n/a' : fmtScore(m.score)}</span>
      <div><div class="bar"><i style="width:${Math.round(100 * (m.score || 0))}%"></i></div>
      ${(m.evidence && m.evidence.uncertain || []).length ? `<div class="uncertain"><p class="err">Captions a person must check (the recogniser was unsure):</p><table>${m.evidence.uncertain.map(q => `<tr><td>${Number(q.start).toFixed(2)}–${Number(q.end).toFixed(2)} s</td><td>${esc(q.text)}</td><td class="mut">confidence ${Number(q.confidence).toFixed(2)}</td></tr>`).join('')}</table></div>` : ''}
      ${(m.evidence && m.evidence.hearing && m.evidence.hearing.cues || []).length ? `<div class="hearing"><p${m.evidence.hearing.contradicted ? ' class="err"' : ''}>Captions against the render's own sound (${m.evidence.hearing.contradicted} contradicted):</p><table><tr class="mut"><td>time</td><td>burned</td><td>heard</td><td>WER</td><td>confidence</td><td>timing</td><td></td></tr>${m.evidence.hearing.cues.map(q => `<tr><td>${Number(q.start).toFixed(2)}–${Number(q.end).toFixed(2)} s</td><td>${esc(q.text)}</td><td>${esc(q.heard)}</td><td>${Number(q.wer).toFixed(2)}</td><td>${Number(q.confidence).toFixed(2)}</td><td>${q.offset_s == null ? '' : (q.offset_s > 0 ? '+' : '') + Number(q.offset_s).toFixed(2) + ' s'}</td><td class="${q.verdict === 'agrees' ? 'mut' : 'err'}">${esc(q.verdict)}</td></tr>`).join('')}</table></div>` : ''}
      <details><summary>evidence${(m.advice || []).length ? ' · advice' : ''}</summary><pre>${esc(JSON.stringify(m.evidence, null, 2))}</pre>${(m.advice || []).map(a => `<div>→ ${esc(a)}</div>`).join('')}</details></div></div>`).join('');
}

function renderTrace(tr) {
  const spans = (tr && tr.spans) || [];
  if (!spans.length) return '<p class="mut">No spans yet.</p>';
  const t = s => Date.parse(s);
  const t0 = Math.min(...spans.map(s => t(s.started_at || s.created_at)));
  const t1 = Math.max(...spans.map(s => s.ended_at ? t(s.ended_at) : Date.now()));
  const total = Math.max(1, t1 - t0);
  return `<div class="waterfall" id="waterfall">` + spans.map((s, i) => {
    const a = t(s.started_at || s.created_at) - t0, b = (s.ended_at ? t(s.ended_at) : Date.now()) - t0;
    const cls = s.is_failure || s.status === 'error' ? 'error' : (s.ended_at ? '' : 'running');
    return `<div class="row" data-i="${i}"><span>${esc(s.step_name)}</span><div class="lane"><div class="span ${cls}" style="left:${100 * a / total}%;width:${100 * (b - a) / total}%"></div></div><span class="mut">${s.ended_at ? ((b - a) / 1000).toFixed(2) + ' s' : 'running'}</span></div>
      <div class="spaninfo" id="span-${i}" hidden>${s.ffmpeg_args ? `<p>FFmpeg:</p><pre>${esc(s.ffmpeg_args)}</pre>` : ''}${s.logs ? `<p>Logs:</p><pre>${esc(s.logs)}</pre>` : ''}${s.payload ? `<pre>${esc(JSON.stringify(s.payload, null, 2))}</pre>` : ''}</div>`;
  }).join('') + '</div>';
}

async function showJob(id) {
  const m = $('#main');
  let job;
  try { job = await api('/jobs/' + id); } catch (e) { m.innerHTML = `<p class="err">${esc(e.message)}</p>`; return; }
  m.innerHTML = `<h2>${esc(job.title)} ${statusBadge(job.status)}</h2>
    <p class="mut">job ${esc(job.id)} · trace ${esc(job.trace_id)} · <span id="score">score ${fmtScore(job.score)}</span>
    <button id="cancel">Cancel</button> <button id="retry">Retry</button></p>
    <p id="lasterr" class="${job.status === 'failed' ? 'err' : 'mut'}">${esc(job.last_error || '')}</p>
    <div class="grid"><div class="card"><h3>Render</h3><div id="player"></div></div>
    <div class="card"><h3>Scores</h3><div id="report"></div></div></div>
    <div class="card"><h3>Live events</h3><div class="events" id="events"></div></div>
    <div class="card"><h3>Trace</h3><div id="trace"></div></div>
    <div class="card"><h3>Plan versions</h3><div id="plans"></div></div>
    <div class="card"><h3>Assets</h3><div id="assets" class="thumbs"></div></div>`;
  $('#cancel').onclick = () => api(`/jobs/${id}/cancel`, {method: 'POST'}).then(() => refresh(id)).catch(e => alert(e.message));
  $('#retry').onclick = () => api(`/jobs/${id}/retry`, {method: 'POST'}).then(() => refresh(id)).catch(e => alert(e.message));
  await refresh(id);
  if (stream) stream.close();
  stream = new EventSource(`/api/jobs/${id}/events`);
  let timer = null;
  const onEv = ev => {
    let d = {};
    try { d = JSON.parse(ev.data); } catch (e) {}
    const line = document.createElement('div');
    const p = d.payload || {};
    line.textContent = d.kind === 'span'
      ? `${d.created_at || ''} span ${p.phase === 'end' ? (p.is_failure ? 'failed' : 'done') : 'start'} ${p.step_name || ''}${p.duration_ms != null ? ' ' + (p.duration_ms / 1000).toFixed(2) + ' s' : ''}`
      : `${d.created_at || ''} ${d.kind || ''} ${p.to || p.stage || p.event || ''} ${p.fraction != null ? Math.round(100 * p.fraction) + '%' : ''} ${p.message || p.reason || ''}`;
    $('#events')?.appendChild(line);
    clearTimeout(timer);
    timer = setTimeout(() => refresh(id), 300);
  };
  stream.onmessage = onEv;
}

async function refresh(id) {
  const [job, plans, trace, renders, assets, rep] = await Promise.all([
    api('/jobs/' + id), api(`/jobs/${id}/plans`), api(`/jobs/${id}/trace`), api(`/jobs/${id}/renders`),
    api(`/jobs/${id}/assets`), api(`/jobs/${id}/report`).catch(() => null)]);
  if (!$('#player')) return;
  const h2 = $('h2 .status');
  h2.outerHTML = statusBadge(job.status);
  $('#score').textContent = 'score ' + (job.score == null ? '–' : Number(job.score).toFixed(2));
  $('#lasterr').textContent = job.last_error || '';
  $('#lasterr').className = job.status === 'failed' ? 'err' : 'mut';
  const best = rep ? renders.find(r => r.id === rep.render_id) : renders[renders.length - 1];
  const cur = $('#player video');
  if (best && (!cur || cur.dataset.id !== best.id))
    $('#player').innerHTML = `<video controls preload="metadata" data-id="${esc(best.id)}" src="/api/jobs/${esc(id)}/renders/${esc(best.id)}/file"></video><p class="mut">plan v${esc(best.plan_version)}</p>`;
  else if (!best) $('#player').innerHTML = '<p class="mut">No render yet.</p>';
  $('#report').innerHTML = renderReport(rep);
  // The trace is rebuilt only when it changed, and the spans a user opened
  // stay open: events keep arriving after a job ends.
  const traceHtml = renderTrace(trace), tr = $('#trace');
  if (tr.dataset.html !== traceHtml) {
    const open = [...tr.querySelectorAll('.spaninfo:not([hidden])')].map(e => e.id);
    tr.innerHTML = traceHtml;
    tr.dataset.html = traceHtml;
    open.forEach(i => { const el = document.getElementById(i); if (el) el.hidden = false; });
    tr.querySelectorAll('.row').forEach(r => r.onclick = () => { const el = $('#span-' + r.dataset.i); el.hidden = !el.hidden; });
  }
  $('#plans').innerHTML = renderPlans(plans);
  $('#assets').innerHTML = assets.map(a => `<figure style="display:inline-block"><img alt="" src="/api/assets/${esc(a.id)}/contact-sheet" onerror="this.remove()"><figcaption>${esc(a.label || '')} <span class="mut">${esc(a.asset_type)}</span></figcaption></figure>`).join('');
}

function route() {
  if (stream && !location.hash.startsWith('#/jobs/')) { stream.close(); stream = null; }
  const h = location.hash || '#/';
  let mm;
  if (h === '#/new') showNew();
  else if ((mm = h.match(/^#\/jobs\/([0-9a-f-]{36})$/))) showJob(mm[1]);
  else showJobs();
}

document.addEventListener('DOMContentLoaded', () => {
  const k = new URLSearchParams(location.search).get('key');
  if (k) { setKey(k); history.replaceState(null, '', '/' + location.hash); }
  else if (key()) setKey(key());
  $('#key').value = key();
  $('#keyform').onsubmit = ev => { ev.preventDefault(); setKey($('#key').value.trim()); route(); };
  api('/me').then(me => { $('#who').textContent = me.admin ? 'admin' : 'user ' + me.user_id.slice(0, 8); }).catch(() => {});
  window.addEventListener('hashchange', route);
  route();
});
