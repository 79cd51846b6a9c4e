import { describe, expect, it } from 'vitest';
import { formatMessage, matchLanguage, negotiateLanguage, parseAcceptLanguage, translate } from './i18n.ts';

describe('matchLanguage', () => {
  it.each([
    ['zh-TW', 'zh-Hant'],
    ['zh-HK', 'zh-Hant'],
    ['zh-MO', 'zh-Hant'],
    ['zh-Hant', 'zh-Hant'],
    ['zh-Hant-CN', 'zh-Hant'],
    ['zh_TW', 'zh-Hant'],
    ['zh', 'zh-Hans'],
    ['zh-CN', 'zh-Hans'],
    ['zh-SG', 'zh-Hans'],
    ['zh-Hans', 'zh-Hans'],
    ['zh-Hans-HK', 'zh-Hans'],
    ['ZH-cn', 'zh-Hans'],
    ['en', 'en'],
    ['en-GB', 'en'],
    ['fr', null],
    ['', null],
  ])('maps %j to %j', (tag, language) => {
    expect(matchLanguage(tag)).toBe(language);
  });
});

describe('parseAcceptLanguage', () => {
  it('takes the highest q-value the page supports', () => {
    expect(parseAcceptLanguage('fr-FR,fr;q=0.9,zh-TW;q=0.8,en;q=0.7')).toBe('zh-Hant');
    expect(parseAcceptLanguage('en;q=0.5, zh-CN;q=0.8')).toBe('zh-Hans');
    expect(parseAcceptLanguage('zh-HK')).toBe('zh-Hant');
    expect(parseAcceptLanguage('zh')).toBe('zh-Hans');
  });

  it('keeps header order on equal weights and skips q=0', () => {
    expect(parseAcceptLanguage('zh-TW, zh-CN')).toBe('zh-Hant');
    expect(parseAcceptLanguage('zh-TW;q=0, zh-CN;q=0.1')).toBe('zh-Hans');
  });

  it('treats * as English and answers null when nothing matches', () => {
    expect(parseAcceptLanguage('de, *;q=0.1')).toBe('en');
    expect(parseAcceptLanguage('de, fr')).toBeNull();
    expect(parseAcceptLanguage(undefined)).toBeNull();
    expect(parseAcceptLanguage(';;,,q=1')).toBeNull();
  });
});

describe('negotiateLanguage', () => {
  it('prefers ?lang= over Accept-Language, and English over nothing', () => {
    expect(negotiateLanguage({ query: 'zh-TW', acceptLanguage: 'zh-CN' })).toBe('zh-Hant');
    expect(negotiateLanguage({ query: 'en', acceptLanguage: 'zh-CN' })).toBe('en');
    expect(negotiateLanguage({ query: 'klingon', acceptLanguage: 'zh-CN' })).toBe('zh-Hans');
    expect(negotiateLanguage({ acceptLanguage: 'ja' })).toBe('en');
    expect(negotiateLanguage({})).toBe('en');
  });
});

describe('formatMessage', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(formatMessage('{a} of {b} ({c})', { a: 1, b: 3 })).toBe('1 of 3 ({c})');
    expect(translate('zh-Hans', 'page.title', { merchant: '茶馆' })).toBe('向 茶馆 付款');
  });
});
