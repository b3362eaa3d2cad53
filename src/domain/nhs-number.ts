// NHS numbers: ten digits, the last a modulus-11 check digit over the first nine (weights 10..2).

/** The check digit for nine digits, or null when the remainder makes them unusable (check value 10). */
export function nhsCheckDigit(nineDigits: string): number | null {
  if (!/^\d{9}$/.test(nineDigits)) throw new Error("nhsCheckDigit needs exactly nine digits");
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nineDigits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

/** Normalises input such as "943 476 5919" or "943-476-5919" to ten digits, or null when it is not shaped like one. */
export function normaliseNhsNumber(input: string): string | null {
  const digits = input.replace(/[\s-]/g, "");
  return /^\d{10}$/.test(digits) ? digits : null;
}

/** True when the value is ten digits (spaces/dashes allowed) whose modulus-11 check digit is right. */
export function isValidNhsNumber(input: string): boolean {
  const n = normaliseNhsNumber(input);
  if (!n) return false;
  const check = nhsCheckDigit(n.slice(0, 9));
  return check !== null && check === Number(n[9]);
}

/** Formats ten digits as NHS staff read them: 3-3-4 ("943 476 5919"). */
export function formatNhsNumber(nhs: string): string {
  const n = normaliseNhsNumber(nhs);
  if (!n) return nhs;
  return `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
}
