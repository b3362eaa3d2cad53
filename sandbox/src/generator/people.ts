// Synthetic PKB patients: unique 7-digit PKB ids, unique valid NHS numbers in the 999 test range (a few patients
// without one), UK names, dates of birth, emails, mobile numbers (Ofcom drama range) and addresses.

import type { SandboxPatient } from "../model.ts";
import { nhsNumberCheckDigit } from "./nhs-number.ts";
import { EMAIL_DOMAINS, FEMALE_NAMES, MALE_NAMES, POSTCODE_LETTERS, STREETS, SURNAMES, TOWNS } from "./people-data.ts";
import { flatten, type Rng } from "./prng.ts";
import { DAY_MS } from "./calendar.ts";

const LETTERS: readonly string[] = [...POSTCODE_LETTERS];

/** Fraction of patients PKB holds without an NHS number. */
export const NO_NHS_NUMBER_RATE = 0.015;

/** Lowercase ASCII letters of a name, for emails ("Zoë O'Brien" → "zoe", "obrien"). */
function ascii(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
}

/** Makes patients one at a time, keeping PKB ids and NHS numbers unique within the dataset. */
export class PatientFactory {
  private readonly pkbIds = new Set<string>();
  private readonly nhsNumbers = new Set<string>();

  /** `anchorMs` (UTC epoch ms) is "now" for ages. */
  constructor(
    private readonly rng: Rng,
    private readonly anchorMs: number,
  ) {}

  /** A new unique 7-digit PKB user id (1000000-9999999). */
  private pkbId(): string {
    for (;;) {
      const id = String(this.rng.int(1_000_000, 9_999_999));
      if (!this.pkbIds.has(id)) {
        this.pkbIds.add(id);
        return id;
      }
    }
  }

  /** A new unique valid NHS number in the 999 test range (numbers whose check digit would be 10 are skipped). */
  private nhsNumber(): string {
    for (;;) {
      const first9 = `999${this.rng.digits(6)}`;
      const check = nhsNumberCheckDigit(first9);
      if (check === null) continue;
      const nhs = `${first9}${check}`;
      if (!this.nhsNumbers.has(nhs)) {
        this.nhsNumbers.add(nhs);
        return nhs;
      }
    }
  }

  private postcode(area: string, district: number): string {
    const r = this.rng;
    return flatten(`${area}${district} ${r.int(1, 9)}${r.pick(LETTERS)}${r.pick(LETTERS)}`);
  }

  /** One patient; every field drawn from this factory's PRNG. */
  create(): SandboxPatient {
    const r = this.rng;
    const gender = r.chance(0.52) ? "F" : "M";
    const age = r.weighted<[number, number]>([
      [[0, 15], 12],
      [[16, 39], 25],
      [[40, 64], 33],
      [[65, 98], 30],
    ]);
    const years = r.int(age[0], age[1]);
    const dobMs = this.anchorMs - Math.floor((years * 365.25 + r.int(1, 364)) * DAY_MS);
    const dob = new Date(dobMs).toISOString().slice(0, 10);
    const child = years < 16;
    const firstName = r.pick(gender === "F" ? FEMALE_NAMES : MALE_NAMES);
    const lastName = r.pick(SURNAMES);
    const title =
      gender === "F"
        ? child
          ? "Miss"
          : r.weighted([
              ["Mrs", 45],
              ["Ms", 25],
              ["Miss", 20],
              ["Dr", 3],
              ["", 7],
            ])
        : child
          ? "Master"
          : r.weighted([
              ["Mr", 90],
              ["Dr", 3],
              ["", 7],
            ]);
    const local = r.chance(0.6)
      ? `${ascii(firstName)}.${ascii(lastName)}`
      : `${ascii(firstName).slice(0, 1)}${ascii(lastName)}${r.int(1, 99)}`;
    const town = r.pick(TOWNS);
    const flat = r.chance(0.08) ? `Flat ${r.int(1, 24)}, ` : "";
    return {
      pkbId: this.pkbId(),
      publicId: r.uuid(),
      fhirPatientId: r.uuid(),
      title,
      firstName,
      lastName,
      dob,
      gender,
      email: flatten(`${local}@${r.pick(EMAIL_DOMAINS)}`),
      phone: flatten(`07700900${r.digits(3)}`),
      address1: flatten(`${flat}${r.int(1, 180)} ${r.pick(STREETS)}`),
      address2: r.chance(0.35) ? r.pick(town.localities) : "",
      city: town.city,
      county: town.county,
      postalCode: this.postcode(town.area, r.pick(town.districts)),
      nhsNumber: r.chance(NO_NHS_NUMBER_RATE) ? null : this.nhsNumber(),
    };
  }
}
