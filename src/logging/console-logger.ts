/** A minimal leveled logger; structured logging (pino) replaces it in a later step. */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function consoleLog(component: string): Log {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    `${new Date().toISOString()} ${level} [${component}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`;
  return {
    info: (message, fields) => console.log(line('INFO ', message, fields)),
    warn: (message, fields) => console.warn(line('WARN ', message, fields)),
    error: (message, fields) => console.error(line('ERROR', message, fields)),
  };
}
