package dev.triplane.ingest;

import dev.triplane.infra.AsyncApiDocument;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /asyncapi}: the AsyncAPI 3.0 document of the pipeline's topics ({@link AsyncApiDocument}, the same
 * as the repository's {@code docs/asyncapi.json}), for downstream teams' tooling; behind the API's bearer token
 * like every other path ({@link ApiSecurity}).
 */
@RestController
class AsyncApiController {

    private final String document = AsyncApiDocument.json();

    @GetMapping(value = "/asyncapi", produces = MediaType.APPLICATION_JSON_VALUE)
    String asyncApi() {
        return document;
    }
}
