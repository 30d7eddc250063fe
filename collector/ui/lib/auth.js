// The API key of a collector that requires one (`auth.mode: required`): asked for once, kept in
// this tab's sessionStorage (gone when the tab closes, never sent anywhere but this collector's
// API), sent as `Authorization: Bearer <key>`.
import { h } from './dom.js';

const STORAGE = 'inferlens.apiKey';

/** The key this tab holds, or null. */
export function storedKey() {
  try {
    return sessionStorage.getItem(STORAGE);
  } catch {
    return null;
  }
}

/** Keeps `key` for this tab. */
export function rememberKey(key) {
  sessionStorage.setItem(STORAGE, key);
}

/** Forgets the key (signing out of this tab). */
export function forgetKey() {
  sessionStorage.removeItem(STORAGE);
}

/** The form that asks for a key; `onKey` gets it once entered. `problem`: why it is asked again. */
export function keyForm(onKey, problem) {
  const input = h('input', { type: 'password', name: 'key', autocomplete: 'off', spellcheck: 'false', required: true, 'data-testid': 'key-input', placeholder: 'ilk_…' });
  const form = h(
    'form',
    {
      class: 'key-form',
      'data-testid': 'key-form',
      onsubmit: (e) => {
        e.preventDefault();
        const key = input.value.trim();
        if (key) onKey(key);
      },
    },
    h('h1', null, 'API key'),
    h('p', null, 'This collector requires an API key with the read scope. It is kept in this browser tab only (sessionStorage) and sent to this collector as a Bearer token.'),
    problem ? h('p', { class: 'error-box', 'data-testid': 'key-problem' }, problem) : null,
    h('label', null, 'Key ', input),
    h('button', { type: 'submit', 'data-testid': 'key-submit' }, 'Use this key'),
  );
  queueMicrotask(() => input.focus());
  return form;
}
