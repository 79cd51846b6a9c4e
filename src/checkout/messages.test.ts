import { describe, expect, it } from 'vitest';
import { LANGUAGE_NAMES, LANGUAGES, MESSAGES } from './messages.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the checkout catalogue', () => {
  const reference = MESSAGES.en;

  it.each(LANGUAGES)('has every key, non-empty, in %s', (language) => {
    const messages = MESSAGES[language];
    expect(Object.keys(messages).sort()).toEqual(Object.keys(reference).sort());
    for (const [key, text] of Object.entries(messages)) {
      expect(text.trim(), `${language} ${key}`).not.toBe('');
    }
  });

  it.each(LANGUAGES)('uses the same placeholders as English in %s', (language) => {
    for (const [key, text] of Object.entries(MESSAGES[language])) {
      expect(placeholders(text), `${language} ${key}`).toEqual(
        placeholders(reference[key as keyof typeof reference]),
      );
    }
  });

  it('really translates the Chinese catalogues, and keeps Simplified and Traditional apart', () => {
    expect(MESSAGES['zh-Hans']['page.amountDue']).toBe('应付金额');
    expect(MESSAGES['zh-Hant']['page.amountDue']).toBe('應付金額');
    const differing = Object.keys(reference).filter(
      (key) =>
        MESSAGES['zh-Hans'][key as keyof typeof reference] !==
        MESSAGES['zh-Hant'][key as keyof typeof reference],
    );
    expect(differing.length).toBeGreaterThan(Object.keys(reference).length / 2);
    for (const language of ['zh-Hans', 'zh-Hant'] as const) {
      const sameAsEnglish = Object.entries(MESSAGES[language]).filter(
        ([key, text]) => text === reference[key as keyof typeof reference],
      );
      expect(sameAsEnglish).toEqual([]);
    }
  });

  it('names each language in its own script', () => {
    expect(LANGUAGE_NAMES).toEqual({ en: 'English', 'zh-Hans': '简体中文', 'zh-Hant': '繁體中文' });
  });
});
