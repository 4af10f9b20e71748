import { countryName } from '../../lib/countries.ts';

export function CountryLabel({ code }: { code: string | null | undefined }) {
  if (!code) return <span className="muted">–</span>;
  return (
    <span title={countryName(code)}>
      <span className="cc">{code}</span> {countryName(code)}
    </span>
  );
}
