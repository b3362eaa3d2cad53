// NHS number check digit (modulus 11), the emulator's own implementation (it never imports Rebook's src/).

const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/**
 * Check digit (0-9) for the first nine digits of an NHS number, by modulus 11; null when the remainder makes it 10
 * (no valid number has those nine digits). Throws unless `first9` is exactly nine ASCII digits.
 */
export function nhsNumberCheckDigit(first9: string): number | null {
  if (!/^[0-9]{9}$/.test(first9)) throw new Error(`nhsNumberCheckDigit: expected 9 digits, got "${first9}"`);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (first9.charCodeAt(i) - 48) * (WEIGHTS[i] ?? 0);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

/** True when `value` is exactly ten ASCII digits (no spaces) whose last digit is the modulus-11 check digit. */
export function isValidNhsNumber(value: string): boolean {
  if (!/^[0-9]{10}$/.test(value)) return false;
  return nhsNumberCheckDigit(value.slice(0, 9)) === value.charCodeAt(9) - 48;
}
