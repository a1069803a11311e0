import type { SearchAttributeType } from '@temporalio/common';

/** How the `temporal` CLI names each search attribute type (the keys themselves are in src/workflows/definitions.ts). */
const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** `Keyword`, `Datetime`, ...: how the `temporal` CLI names a search attribute type. */
export function cliTypeName(type: SearchAttributeType): string {
  return CLI_TYPE_NAMES[type];
}

/** `GreetingUserId=Keyword`: the form `temporal server start-dev --search-attribute` takes. */
export function cliSearchAttributeFlag(key: { name: string; type: SearchAttributeType }): string {
  return `${key.name}=${cliTypeName(key.type)}`;
}
