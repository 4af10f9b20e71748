// Country names and ISO codes (offline, from i18n-iso-countries).
import countries from 'i18n-iso-countries';
import en from 'i18n-iso-countries/langs/en.json';

countries.registerLocale(en);

export function countryName(alpha2: string | null | undefined): string {
  if (!alpha2) return 'Unknown';
  return countries.getName(alpha2, 'en', { select: 'alias' }) ?? countries.getName(alpha2, 'en') ?? alpha2;
}

/** ISO 3166-1 numeric ("276" or "004") → alpha-2 ("DE"), as world-atlas ids are numeric. */
export function numericToAlpha2(numeric: string | number | undefined): string | undefined {
  if (numeric === undefined) return undefined;
  return countries.numericToAlpha2(String(numeric).padStart(3, '0'));
}
