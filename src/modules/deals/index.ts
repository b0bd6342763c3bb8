export { columnOrder, createDealsService, type DealsService, type Card, type BoardColumn, type HistoryRow } from './deals.service';
