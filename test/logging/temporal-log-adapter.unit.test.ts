import { LogTimestamp } from '@temporalio/worker';
import { componentLog } from '../../src/logging/log';
import { captureLog } from '../support/captured-log';

describe('the Temporal runtime logger adapter, writing through pino', () => {
  test('an activity log record becomes one JSON line with its message, level and the SDK attributes', () => {
    const captured = captureLog('info');
    const log = componentLog(captured.root, 'temporal');

    // What the SDK's activity context logger hands the Runtime logger.
    log.log('INFO', 'sending the greeting', {
      sdkComponent: 'activity',
      workflowId: 'birthday-42',
      workflowRunId: 'run-7',
      activityType: 'deliverGreeting',
      attempt: 2,
      [LogTimestamp]: 1_700_000_000_000_000_000n,
    });

    expect(captured.records()).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'sending the greeting',
        component: 'temporal',
        sdkComponent: 'activity',
        workflowId: 'birthday-42',
        workflowRunId: 'run-7',
        activityType: 'deliverGreeting',
        attempt: 2,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    ]);
  });

  test('a forwarded core record keeps its target, and an error attribute prints its message and stack', () => {
    const captured = captureLog('info');
    const log = componentLog(captured.root, 'temporal');

    log.error('poll failed', {
      sdkComponent: 'core',
      target: 'temporal_sdk_core::worker',
      error: new Error('connection reset'),
    });

    const [record] = captured.records();
    expect(record).toMatchObject({
      level: 'error',
      msg: 'poll failed',
      sdkComponent: 'core',
      target: 'temporal_sdk_core::worker',
      error: { type: 'Error', message: 'connection reset', stack: expect.stringContaining('connection reset') },
    });
  });

  test('every SDK level maps to the pino level of the same name, and levels below LOG_LEVEL are dropped', () => {
    const verbose = captureLog('trace');
    const quiet = captureLog('warn');
    for (const captured of [verbose, quiet]) {
      const log = componentLog(captured.root, 'temporal');
      for (const level of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const) log.log(level, `at ${level}`);
    }

    expect(verbose.records().map((record) => [record.level, record.msg])).toEqual([
      ['trace', 'at TRACE'],
      ['debug', 'at DEBUG'],
      ['info', 'at INFO'],
      ['warn', 'at WARN'],
      ['error', 'at ERROR'],
    ]);
    expect(quiet.records().map((record) => record.level)).toEqual(['warn', 'error']);
  });
});
