import { PipeTransform } from '@nestjs/common';
import { ListRequest, parseListRequest } from './list-query';

/** The query string of a listing route, parsed (parseListRequest). */
export class ListQueryPipe implements PipeTransform<Record<string, unknown>, ListRequest> {
  transform(value: Record<string, unknown>): ListRequest {
    return parseListRequest(value ?? {});
  }
}
