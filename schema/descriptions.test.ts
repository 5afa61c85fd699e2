import fs from 'node:fs';
import path from 'node:path';
import { buildASTSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType, parse } from 'graphql';

/** Elements composition adds (federation's join and link machinery, the requiresScopes spec's scalar), which clients never see. */
const FEDERATION = /^(join__|link__|requiresScopes__)/;

/**
 * Schema first: every type, field, argument, input field and enum value of
 * the composed supergraph has a description, because Sandbox shows them.
 */
describe('the supergraph schema', () => {
  it('describes every type, field, argument, input field and enum value', () => {
    const sdl = fs.readFileSync(path.join(__dirname, 'supergraph.graphql'), 'utf8');
    const schema = buildASTSchema(parse(sdl), { assumeValidSDL: true });
    const undescribed: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || FEDERATION.test(type.name) || isSpecifiedScalarType(type)) continue;
      if (!type.description) undescribed.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undescribed.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) undescribed.push(`${type.name}.${field.name}(${arg.name}:)`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) undescribed.push(`${type.name}.${value.name}`);
    }
    expect(undescribed).toEqual([]);
  });
});
