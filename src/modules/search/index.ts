export { createSearchService, type SearchService, type SearchHit } from './search.service';
