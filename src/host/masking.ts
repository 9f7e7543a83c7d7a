// What never leaves the host: rrweb options that mask input values and text,
// and block elements, before anything is serialized. Passwords and payment
// cards are masked without anyone marking them; pages add `data-cwmn-mask`
// (text and values) and `data-cwmn-block` (a same-size placeholder); the
// domain's settings may add selectors of their own.

/** Masks an element's text and input values (and those of its descendants). */
export const MASK_ATTRIBUTE = 'data-cwmn-mask';
/** Replaces an element with a same-size placeholder. */
export const BLOCK_ATTRIBUTE = 'data-cwmn-block';
/** What a masked value becomes: a fixed length, so not even the length leaves. */
export const MASKED_VALUE = '********';

export interface MaskRules {
  /** Extra selectors whose text and input values are masked. */
  maskSelectors?: readonly string[];
  /** Extra selectors replaced by a placeholder. */
  blockSelectors?: readonly string[];
}

/** rrweb's masking options for a set of rules. */
export interface MaskingOptions {
  maskInputOptions: Record<string, boolean>;
  maskInputFn: (text: string, element: HTMLElement) => string;
  maskTextSelector: string;
  blockSelector: string;
}

/** Every input type rrweb knows: each goes through `maskInputFn`, which decides. */
const INPUT_KINDS = [
  'color', 'date', 'datetime-local', 'email', 'month', 'number', 'range', 'search', 'tel', 'text', 'time', 'url',
  'week', 'textarea', 'select', 'password',
];

const CARD_FIELD = /(card|cc)[-_ ]?(num|number|no\b)|cvc|cvv|csc|security[-_ ]?code|card[-_ ]?verif|expir/i;

export function maskingOptions(rules: MaskRules = {}): MaskingOptions {
  const masks = [`[${MASK_ATTRIBUTE}]`, ...(rules.maskSelectors ?? [])];
  // Fail closed: a mask selector the browser rejects (a typo in the settings) masks everything.
  const maskSelector = masks.every(isValidSelector) ? masks.join(', ') : '*';
  const blockSelector = [`[${BLOCK_ATTRIBUTE}]`, ...(rules.blockSelectors ?? [])].filter(isValidSelector).join(', ');
  return {
    maskInputOptions: Object.fromEntries(INPUT_KINDS.map((k) => [k, true])),
    maskInputFn: (text, element) => (shouldMaskInput(element, text, maskSelector) ? maskValue(text) : text),
    maskTextSelector: maskSelector,
    blockSelector,
  };
}

/** True when an input's value must not leave the host. */
export function shouldMaskInput(element: HTMLElement, value: string, maskSelector: string): boolean {
  const input = element as HTMLInputElement;
  if ((input.type ?? '').toLowerCase() === 'password') return true;
  const autocomplete = (element.getAttribute('autocomplete') ?? '').toLowerCase();
  if (autocomplete.split(/\s+/).some((t) => t.startsWith('cc-'))) return true;
  const names = `${element.getAttribute('name') ?? ''} ${element.id} ${autocomplete}`;
  if (CARD_FIELD.test(names)) return true;
  if (looksLikeCardNumber(value)) return true;
  try {
    return maskSelector !== '' && element.closest(maskSelector) !== null;
  } catch {
    return true; // A selector the browser rejects: mask rather than leak.
  }
}

export function maskValue(text: string): string {
  return text === '' ? '' : MASKED_VALUE;
}

/** 13–19 digits (spaces and dashes allowed) passing the Luhn check. */
export function looksLikeCardNumber(value: string): boolean {
  if (!/^[\d -]{13,23}$/.test(value)) return false;
  const digits = value.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function isValidSelector(selector: string): boolean {
  try {
    document.createDocumentFragment().querySelector(selector);
    return true;
  } catch {
    return false;
  }
}
