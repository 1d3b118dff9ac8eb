// A labelled drop-down: the shape every picker on the page shares.
export interface ChoiceOption<T extends string> {
  value: T;
  label: string;
}

export function Choice<T extends string>(props: {
  id: string;
  label: string;
  value: T;
  options: ReadonlyArray<ChoiceOption<T>>;
  onChange: (value: T) => void;
  disabled?: boolean;
}) {
  return (
    <div className="picker">
      <label htmlFor={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value as T)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
