import { LANGUAGES, type Language, MESSAGES, type MessageKey } from './messages.ts';

export const DEFAULT_LANGUAGE: Language = 'en';

/** Regions that write Traditional Chinese when a tag names a region but no script. */
const TRADITIONAL_REGIONS = new Set(['tw', 'hk', 'mo']);

/**
 * Maps one BCP 47 tag to a language we have, or null. The script subtag decides first
 * (`zh-Hant-CN` is Traditional); without one, Taiwan, Hong Kong and Macau mean Traditional and
 * every other `zh` (bare, CN, SG, MY) means Simplified, as browsers and CLDR resolve them.
 */
export function matchLanguage(tag: string): Language | null {
  const subtags = tag.trim().toLowerCase().split(/[-_]/);
  const [primary, ...rest] = subtags;
  if (primary === 'en') return 'en';
  if (primary !== 'zh') return null;
  if (rest.includes('hant')) return 'zh-Hant';
  if (rest.includes('hans')) return 'zh-Hans';
  return rest.some((subtag) => TRADITIONAL_REGIONS.has(subtag)) ? 'zh-Hant' : 'zh-Hans';
}

/**
 * RFC 9110 §12.5.4 Accept-Language: the supported language with the highest q-value wins; ties
 * keep the header's order; `q=0` means "not this one"; `*` stands for the default.
 */
export function parseAcceptLanguage(header: string | undefined): Language | null {
  if (!header) return null;
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((param) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param)?.[1]).find(Boolean);
      const weight = q === undefined ? 1 : Number(q);
      return { tag: tag.trim(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((range) => range.tag !== '' && range.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const range of ranges) {
    const language = range.tag === '*' ? DEFAULT_LANGUAGE : matchLanguage(range.tag);
    if (language) return language;
  }
  return null;
}

/** An explicit `?lang=` (the switcher) beats the browser's Accept-Language; English otherwise. */
export function negotiateLanguage(input: {
  query?: string | undefined;
  acceptLanguage?: string | undefined;
}) {
  const fromQuery = input.query ? matchLanguage(input.query) : null;
  return fromQuery ?? parseAcceptLanguage(input.acceptLanguage) ?? DEFAULT_LANGUAGE;
}

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

export type MessageParams = Record<string, string | number>;

/** Fills `{name}` placeholders; an unknown placeholder stays visible rather than vanishing. */
export function formatMessage(template: string, params: MessageParams = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

export function translate(language: Language, key: MessageKey, params?: MessageParams): string {
  return formatMessage(MESSAGES[language][key], params);
}
