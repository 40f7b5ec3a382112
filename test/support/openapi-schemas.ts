import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Checks answers against the component schemas of the OpenAPI document a service
 * serves (`GET /v1/openapi.json`'s body): `check(name, answer)` fails the test
 * with the schema's name and Ajv's errors when the answer does not match.
 */
export function schemaChecker(document: unknown): (name: string, answer: unknown) => void {
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const { schemas } = (document as { components: { schemas: Record<string, object> } }).components;
  for (const [name, schema] of Object.entries(schemas)) {
    ajv.addSchema(schema, `#/components/schemas/${name}`);
  }
  return (name, answer) => {
    const validate = ajv.getSchema(`#/components/schemas/${name}`)!;
    expect({ name, valid: validate(answer), errors: validate.errors ?? null }).toEqual({
      name,
      valid: true,
      errors: null,
    });
  };
}
