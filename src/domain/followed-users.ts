/** The X accounts the original 2018 task followed; the default for every entry point. */
export const DEFAULT_FOLLOWED_USER_IDS: readonly string[] = Object.freeze([
  '285532415',
  '147964447',
  '34200559',
  '338960856',
  '200036850',
  '72525490',
  '20510157',
  '99918629',
]);
