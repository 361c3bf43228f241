import { describe, expect, it } from 'vitest';
import { checkAttributes } from '../../../src/domain/attributes.ts';
import { createEntitySchema, listEntitiesQuerySchema } from '../../../src/domain/entitySchemas.ts';
import { normalizeName } from '../../../src/domain/entity.ts';
import { ValidationError } from '../../../src/domain/errors.ts';
import { parseInput } from '../../../src/domain/parseInput.ts';
import { parseSearchQuery } from '../../../src/domain/readModelQueries.ts';
import { isAcceptableText, textProblem } from '../../../src/domain/text.ts';
import { STRING_CLASSES } from '../../support/hostileStrings.ts';


describe('the text rule (issue 18)', () => {
  it.each(Object.entries(STRING_CLASSES))('%s: name %#', (_label, { sample, name, text }) => {
    expect(isAcceptableText(sample, 'name')).toBe(name);
    expect(isAcceptableText(sample, 'text')).toBe(text);
  });

  it('says which character is wrong and where', () => {
    expect(textProblem('ab\u0000', 'text')).toMatch(/U\+0000 at character 3/);
    expect(textProblem('ab\ud800', 'text')).toMatch(/lone surrogate \(U\+D800\) at character 3/);
    expect(textProblem('a\u200db', 'name')).toMatch(/U\+200D at character 2/);
  });

  it('names: NFC-normalised when stored, so composed and decomposed spellings are one name', () => {
    const decomposed = parseInput(createEntitySchema, { name: 'Cafe\u0301' }, 'body').name;
    expect(decomposed).toBe('Café');
    expect(normalizeName('Cafe\u0301')).toBe(normalizeName('CAFÉ'));
  });

  it('names: zero-width, bidirectional controls and lone surrogates are a 400 on /name', () => {
    for (const name of ['pay\u200bpal', 'abc\u202edcba', 'x\ud800', '\u2066isolate\u2069']) {
      const error = (() => {
        try {
          parseInput(createEntitySchema, { name }, 'body');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, name).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['/name']);
    }
    expect(() => parseInput(listEntitiesQuerySchema, { name: 'a\u0000' }, 'query')).toThrow(ValidationError);
  });

  it('attribute strings at any depth: NUL, other C0 controls and lone surrogates are refused with the JSON pointer of the value', () => {
    const issues = checkAttributes({ ok: 'tab\tand\nnewline', a: { b: ['fine', 'bad\u0000'] }, c: 'x\udfff', d: 'cr\r' });
    expect(issues.map((i) => i.path)).toEqual(['/attributes/a/b/1', '/attributes/c', '/attributes/d']);
    expect(issues[0]?.message).toMatch(/control characters other than tab and newline/);
  });

  it('search parameters: q and attr values obey the same rule (a 400, never a 500 from PostgreSQL)', () => {
    const refused = (params: Record<string, string>) => {
      try {
        parseSearchQuery(params);
      } catch (e) {
        return (e as ValidationError).issues.map((i) => i.path);
      }
      return [];
    };
    expect(refused({ q: 'a\u0000b' })).toEqual(['/q']);
    expect(refused({ q: 'a\ud800' })).toEqual(['/q']);
    expect(refused({ 'attr.k': 'v\u0000' })).toEqual(['/attr.k']);
    expect(refused({ 'attr.k': '"\\u0000"' })).toEqual(['/attr.k']); // a JSON-quoted value spelling NUL
    expect(refused({ 'attr.k': '"\\ud800"' })).toEqual(['/attr.k']);
    expect(refused({ 'attr.k': '1e400' })).toEqual(['/attr.k']); // Infinity: not a number the attributes can hold
    expect(refused({ q: 'tab\tok', 'attr.k': 'line\nok' })).toEqual([]);
  });
});
