import { runtimeKnowsZone } from './calendar-date';
import { IANA_ZONE_NAMES } from './iana-zone-names';

// What counts as a time zone name: one of the IANA database's names (a Link such as `US/Pacific` too, kept as it is
// named rather than replaced by its target), spelled as IANA spells it, that the runtime's time-zone data also
// knows. Intl alone is not the judge: it takes `SystemV/AST4` and UTC offsets, and any letter case.

/** IANA's spelling of each name, by its lower-case form. */
const BY_LOWER_CASE = new Map(IANA_ZONE_NAMES.map((name) => [name.toLowerCase(), name]));

/** The IANA spelling of a zone name given in any letter case (`europe/london` → `Europe/London`), else null. */
export function canonicalTimezone(name: string): string | null {
  const canonical = BY_LOWER_CASE.get(name.toLowerCase());
  return canonical !== undefined && runtimeKnowsZone(canonical) ? canonical : null;
}

/** An IANA zone name, exactly as IANA spells it, that the runtime knows. */
export function isValidTimezone(name: string): boolean {
  return canonicalTimezone(name) === name;
}

/** Every name `isValidTimezone` accepts, in IANA's order. */
export function supportedTimezones(): string[] {
  return IANA_ZONE_NAMES.filter((name) => runtimeKnowsZone(name));
}
