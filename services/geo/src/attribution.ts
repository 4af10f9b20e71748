/**
 * Credits owed for the data the geo service adds to flows. Whatever shows enriched rows (the
 * dashboard, an export, the CLI) shows the credits of the databases in use:
 * `GeoDatabase.attribution` lists exactly those.
 */

/** DB-IP Lite (the packaged city database and most AS organisation names): CC BY 4.0. */
export const DBIP_ATTRIBUTION = 'IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0';

/** RouteViews (the packaged IPv4 AS numbers): CC BY 4.0. */
export const ROUTEVIEWS_ATTRIBUTION = 'AS numbers from RouteViews (https://www.routeviews.org), CC BY 4.0';

/** The NRO's registry statistics (the packaged country database and AS numbers): CC BY 4.0. */
export const NRO_ATTRIBUTION = 'Registry data from the NRO (https://www.nro.net), CC BY 4.0';

/** Required by the GeoLite2 licence when a user's GeoLite2 database is in use. */
export const MAXMIND_ATTRIBUTION =
  'This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com';
