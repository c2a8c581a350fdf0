/**
 * Screen names for the eight accounts the original 2018 task followed (ids from src/domain/followed-users.ts).
 * X could not be reached to resolve them, so these are plausible Russian news accounts of the time, NOT verified
 * against X: a demo shows them, nothing depends on them. Override with a scenario's `users`.
 */
export const DEFAULT_ACCOUNT_NAMES: Readonly<Record<string, { username: string; name: string }>> = Object.freeze({
  '285532415': { username: 'rt_russian', name: 'RT на русском' },
  '147964447': { username: 'tvrain', name: 'Телеканал Дождь' },
  '34200559': { username: 'rianru', name: 'РИА Новости' },
  '338960856': { username: 'lentaruofficial', name: 'Лента.ру' },
  '200036850': { username: 'tass_agency', name: 'ТАСС' },
  '72525490': { username: 'rbc_ru', name: 'РБК' },
  '20510157': { username: 'kommersant', name: 'Коммерсантъ' },
  '99918629': { username: 'ntvru', name: 'НТВ' },
});
