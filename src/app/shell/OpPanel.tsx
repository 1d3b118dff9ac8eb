// Adding a step from the page: pick any op of the case format, fill in its arguments (addresses in hex,
// sizes with K/M/G/T suffixes, flags by name), and it goes in after the current step; the steps after it
// run again and the page moves to it. The form is built from the op's own schema (sent by the worker), so
// every op and argument the runner knows is here, checked the way the runner checks it. Undo takes it back.
import { useEffect, useMemo, useState } from 'react';
import { useSession } from '../../state/session';
import type { OpForm } from '../../worker/api';
import { insertStep, sim, undo } from '../actions';
import { parseNumber } from './parse';

interface JsonSchema {
  type?: string | string[];
  enum?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

type Kind =
  | { kind: 'number' }
  | { kind: 'flags'; names: string[] }
  | { kind: 'bool' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'text' }
  | { kind: 'json' };

/** What kind of input a JSON Schema property asks for. */
export function kindOf(s: JsonSchema): Kind {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const flagList = alts.find((a) => a.type === 'array' && a.items?.enum);
    if (flagList) return { kind: 'flags', names: flagList.items!.enum! };
    const named = alts.find((a) => a.enum);
    if (named) return { kind: 'enum', values: named.enum! };
    if (alts.every((a) => a.type === 'integer' || a.type === 'number' || a.type === 'string'))
      return { kind: 'number' };
    return { kind: 'json' };
  }
  if (s.enum) return { kind: 'enum', values: s.enum };
  if (s.type === 'boolean') return { kind: 'bool' };
  if (Array.isArray(s.type) || s.type === 'integer' || s.type === 'number') return { kind: 'number' };
  if (s.type === 'string') return { kind: 'text' };
  return { kind: 'json' };
}

function initial(s: JsonSchema, k: Kind): string {
  if (s.default === undefined) return k.kind === 'json' ? '{}' : '';
  if (k.kind === 'flags') return Array.isArray(s.default) ? (s.default as string[]).join(',') : '';
  return typeof s.default === 'string' ? s.default : JSON.stringify(s.default);
}

/** The form's text values as the op's arguments, or the first problem found. */
export function argsOf(form: OpForm, values: Record<string, string>): Record<string, unknown> | string {
  const schema = form.args as JsonSchema;
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const k = kindOf(prop);
    const text = (values[name] ?? '').trim();
    const required = schema.required?.includes(name) ?? false;
    if (k.kind === 'flags') {
      out[name] = text === '' ? [] : text.split(',');
      continue;
    }
    if (k.kind === 'bool') {
      if (text !== '') out[name] = text === 'true';
      continue;
    }
    if (text === '') {
      if (required) return `${name} is required`;
      continue;
    }
    if (k.kind === 'number') {
      const v = parseNumber(text);
      if (v === null) return `${name}: "${text}" is not a number (hex 0x…, decimal, or a size like 2M, 1G)`;
      out[name] = v < 0n ? Number(v) : '0x' + v.toString(16);
    } else if (k.kind === 'json') {
      try {
        out[name] = JSON.parse(text) as unknown;
      } catch {
        return `${name}: not JSON`;
      }
    } else out[name] = text;
  }
  return out;
}

export function OpPanel() {
  const [forms, setForms] = useState<OpForm[]>([]);
  const [op, setOp] = useState('MAP_DMA');
  const [edited, setEdited] = useState<Record<string, Record<string, string>>>({});
  const [message, setMessage] = useState<{ text: string; bad: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const cursor = useSession((s) => s.cursor);
  const undoable = useSession((s) => s.undo.length);
  const info = useSession((s) => s.info);
  useEffect(() => {
    void sim()
      .session('opForms')
      .then(setForms, (e: Error) => setMessage({ text: `The op list could not be read: ${e.message}`, bad: true }));
  }, []);
  const form = forms.find((f) => f.op === op);
  const props = useMemo(
    () => Object.entries(((form?.args as JsonSchema | undefined)?.properties ?? {}) as Record<string, JsonSchema>),
    [form],
  );
  // Each op keeps what the user typed into it; untouched fields show the schema's defaults.
  const values = useMemo(() => {
    const v: Record<string, string> = {};
    for (const [name, s] of props) v[name] = initial(s, kindOf(s));
    return { ...v, ...edited[op] };
  }, [props, edited, op]);
  const setValues = (next: Record<string, string>) => setEdited({ ...edited, [op]: next });

  const submit = async () => {
    if (!form) return;
    const args = argsOf(form, values);
    if (typeof args === 'string') return setMessage({ text: args, bad: true });
    setBusy(true);
    const error = await insertStep(op, args);
    setBusy(false);
    setMessage(
      error ? { text: `Not added: ${error}`, bad: true } : { text: `Added ${op} as step ${cursor + 1}.`, bad: false },
    );
  };

  return (
    <form
      className="op-panel"
      aria-label="Add a step"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 className="panel-title">Add a step after step {cursor}</h2>
      <div className="op-row">
        <label htmlFor="op-choice">op</label>
        <select id="op-choice" value={op} onChange={(e) => setOp(e.target.value)} disabled={!info}>
          {forms.map((f) => (
            <option key={f.op} value={f.op}>
              {f.op}
            </option>
          ))}
        </select>
        {form && <span className="muted small">{form.entry}</span>}
      </div>
      <div className="op-fields">
        {props.map(([name, s]) => {
          const k = kindOf(s);
          const id = `arg-${name}`;
          if (k.kind === 'flags') {
            const on = new Set((values[name] ?? '').split(',').filter(Boolean));
            return (
              <fieldset key={name} className="flags">
                <legend>{name}</legend>
                {k.names.map((n) => (
                  <label key={n}>
                    <input
                      type="checkbox"
                      checked={on.has(n)}
                      onChange={(e) => {
                        if (e.target.checked) on.add(n);
                        else on.delete(n);
                        setValues({ ...values, [name]: [...on].join(',') });
                      }}
                    />
                    {n}
                  </label>
                ))}
              </fieldset>
            );
          }
          return (
            <div key={name} className="field">
              <label htmlFor={id}>{name}</label>
              {k.kind === 'enum' ? (
                <select
                  id={id}
                  value={values[name] ?? ''}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                >
                  {!s.default && <option value="">—</option>}
                  {k.values.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              ) : k.kind === 'bool' ? (
                <select
                  id={id}
                  value={values[name] ?? ''}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                >
                  <option value="">default</option>
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : k.kind === 'json' ? (
                <textarea
                  id={id}
                  rows={2}
                  value={values[name] ?? ''}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                  spellCheck={false}
                />
              ) : (
                <input
                  id={id}
                  value={values[name] ?? ''}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                  placeholder={k.kind === 'number' ? '0x…, 4096, 2M' : ''}
                  spellCheck={false}
                  aria-invalid={
                    k.kind === 'number' && (values[name] ?? '').trim() !== '' && parseNumber(values[name]!) === null
                  }
                />
              )}
            </div>
          );
        })}
      </div>
      <div className="op-actions">
        <button type="submit" disabled={busy || !form || !info}>
          Add step
        </button>
        <button type="button" onClick={() => void undo()} disabled={undoable === 0} title="Undo the last edit (Ctrl+Z)">
          Undo
        </button>
      </div>
      {message && (
        <p className={message.bad ? 'reason bad' : 'reason'} role={message.bad ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}
