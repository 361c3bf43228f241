/**
 * Classes of strings an attacker sends (issue 18), with whether each is acceptable as a name and
 * as free text (attribute values, search text) under the one text rule (src/domain/text.ts).
 */
export const STRING_CLASSES = {
  ascii: { sample: 'plain ascii', name: true, text: true },
  latin: { sample: 'Größe façade', name: true, text: true },
  cjk: { sample: '青い部品', name: true, text: true },
  emoji: { sample: 'rocket 🚀 astral', name: true, text: true },
  combining: { sample: 'e\u0301 decomposed', name: true, text: true },
  tabNewline: { sample: 'line one\n\tline two', name: false, text: true },
  nul: { sample: 'a\u0000b', name: false, text: false },
  c0: { sample: 'bell\u0007', name: false, text: false },
  carriageReturn: { sample: 'a\r\nb', name: false, text: false },
  loneHigh: { sample: 'x\ud800y', name: false, text: false },
  loneLow: { sample: 'x\udc00', name: false, text: false },
  zeroWidth: { sample: 'pay\u200bpal', name: false, text: true },
  bidi: { sample: 'abc\u202edcba', name: false, text: true },
  bom: { sample: '\ufeffname', name: false, text: true },
  c1: { sample: 'a\u0085b', name: false, text: true },
} as const;
