import { describe, expect, test } from '@jest/globals';
import { createLogger } from './log.js';

function capture(): { lines: Record<string, unknown>[]; stream: { write(s: string): void } } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    stream: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  };
}

describe('log redaction', () => {
  test('credential-shaped keys are redacted at the top level and one or two objects deep', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    log.info(
      {
        password: 'p1',
        settings: { accessKeySecret: 'ak-secret', accessKeyId: 'LTAIvisible', securityToken: 'sts' },
        request: {
          headers: { authorization: 'Bearer xyz' },
          params: { UserData: 'IyEvYmlu', Password: 'x' },
        },
        join: { token: 'abcdef.0123456789abcdef' },
        pool: 'web',
      },
      'something',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['p1', 'ak-secret', 'sts', 'Bearer xyz', 'IyEvYmlu', '0123456789abcdef'])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      pool: 'web',
      password: '[redacted]',
      settings: { accessKeyId: 'LTAIvisible' },
    });
  });

  test('a child logger redacts too', () => {
    const { lines, stream } = capture();
    createLogger({ destination: stream })
      .child({ component: 'cloud' })
      .warn({ err: { joinCommand: 'kubeadm join x --token a.b' } }, 'x');
    expect(JSON.stringify(lines[0])).not.toContain('--token');
  });
});
