import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes of every greeting workflow, so the Web UI and `temporal workflow list --query` find
 * "this user's runs" or "all birthdays due tomorrow". Only ids, the event type and instants: no personal data
 * (names, birthdays, emails) ever goes into visibility. A cluster must have them registered (see docs/operations.md);
 * the one-command run registers them with the dev server. Safe to import from workflow code.
 */
export const userIdSearchAttribute = defineSearchAttributeKey('GreetingUserId', SearchAttributeType.KEYWORD);
export const eventTypeSearchAttribute = defineSearchAttributeKey('GreetingEventType', SearchAttributeType.KEYWORD);
/** The UTC instant of the occurrence the run is waiting for; moves on a schedule change and each year. */
export const nextDeliverySearchAttribute = defineSearchAttributeKey('GreetingNextDeliveryAt', SearchAttributeType.DATETIME);

/** Every key above, for registering them with a namespace. */
export const greetingSearchAttributes = [userIdSearchAttribute, eventTypeSearchAttribute, nextDeliverySearchAttribute];

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
