import { describe, expect, it } from '@jest/globals';
import { RawJson, serializeBody } from './server.js';

const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');

describe('serializeBody', () => {
  it('is JSON.stringify of the body with the cached pieces in place, bytes for bytes', () => {
    const items = [
      { InstanceId: 'i-1', OSName: 'Alibaba Cloud Linux 3.2104 LTS 64位', Tags: { Tag: [] } },
      { InstanceId: 'i-2', Description: 'quote " backslash \\ newline \n nul \u0000' },
    ];
    const body = {
      RequestId: 'R',
      TotalCount: 2,
      NextToken: '',
      Instances: { Instance: items.map((i) => new RawJson(JSON.stringify(i))) },
    };
    const plain = { ...body, Instances: { Instance: items } };
    expect(text(serializeBody(body))).toBe(JSON.stringify(plain));
  });

  it('leaves strings that look like placeholders alone', () => {
    const body = {
      A: '\u0000raw0\u0000',
      B: new RawJson('{"x":1}'),
      C: '"\\u0000raw0\\u0000"',
    };
    expect(text(serializeBody(body))).toBe(
      JSON.stringify({ A: '\u0000raw0\u0000', B: { x: 1 }, C: '"\\u0000raw0\\u0000"' }),
    );
  });

  it('without cached pieces: one buffer', () => {
    const chunks = serializeBody({ Code: 'x', List: { Item: [1, 2] } });
    expect(chunks.length).toBe(1);
    expect(text(chunks)).toBe('{"Code":"x","List":{"Item":[1,2]}}');
  });
});
