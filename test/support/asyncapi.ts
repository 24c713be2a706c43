import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`; under nodenext its default import is the module.
const addFormats = addFormatsModule.default;

type AsyncApi = {
  components: { messages: Record<string, { name: string; payload: unknown }> };
};

/**
 * A JSON Schema validator (Ajv, strict) of each message payload in an AsyncAPI document, by the
 * message's `name` (the CloudEvents type). The payloads refer to `#/components/schemas/…`, so the
 * document is added whole, as a schema whose only keyword is `components`.
 */
export function payloadValidators(document: unknown): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  // `example` is an annotation zod writes on money and timestamps; `components` holds the rest.
  ajv.addKeyword('example');
  ajv.addKeyword('components');
  const { components } = document as AsyncApi;
  ajv.addSchema({ $id: 'https://order-service.invalid/asyncapi.json', components });
  return new Map(
    Object.entries(components.messages).map(([name, message]) => {
      const validate = ajv.getSchema(
        `https://order-service.invalid/asyncapi.json#/components/messages/${name}/payload`,
      );
      if (validate === undefined) throw new Error(`no payload schema for message ${name}`);
      return [message.name, validate];
    }),
  );
}
