import type { ScalarTag, CollectionTag } from 'yaml';

/** CloudFormation's short-form intrinsics (`!Ref`, `!GetAtt`, `!Sub`, …) as their long form, for reading resources/ YAML. */
const INTRINSICS = ['Ref', 'GetAtt', 'Sub', 'Join', 'If', 'Equals', 'Not', 'And', 'Or', 'Select', 'Split', 'FindInMap', 'ImportValue', 'GetAZs', 'Base64', 'Cidr', 'Condition'];

export const cloudFormationTags: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const toLong = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => toLong(value) },
    { tag: `!${name}`, collection: 'seq', resolve: (value: { toJSON(): unknown }) => toLong(value.toJSON()) } as unknown as CollectionTag,
    { tag: `!${name}`, collection: 'map', resolve: (value: { toJSON(): unknown }) => toLong(value.toJSON()) } as unknown as CollectionTag,
  ];
});
