using Microsoft.OpenApi;

namespace RetroIm.WebApi.Hosting;

internal static class ApiDocsExtensions
{
    private const string Description = """
        The retrospective board. Participants join a retro with a display name and get a bearer token
        (`Authorization: Bearer <token>`) that is valid only for that retro.

        Every committed change is pushed to the retro's ImServer channel `retro:{retroId}` as the message `data`
        `{"type","retroId","version","actor","topic","participant","activity"}`. Types: topic.created, topic.updated,
        topic.started, topic.done, topic.reopened, vote.changed, participant.joined (version = the retro's version after
        the change, +1 per event; on a gap, refetch the board), and participant.online / participant.offline (presence:
        `version` is null, nothing stored changed; apply without a gap check). Topic events carry the whole topic after
        the change: upsert it by id and place it by status. Starting a topic while another is current sends the other
        back to upcoming (topic.updated, then topic.started); marking the current topic done makes the most-voted
        (then oldest) upcoming topic current (topic.done, then topic.started).

        Errors are application/problem+json; 400s list field errors, other problems carry a stable `code`.
        """;

    /// <summary>Problem details for every error, the exception handler, and the OpenAPI document.</summary>
    public static WebApplicationBuilder AddRetroApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // Unreadable bodies throw in every environment, so they reach the handler and get a problem body.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "RetroIm WebApi";
                document.Info.Description = Description;
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ParticipantBearer.SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The token from POST /api/retros/{retroId}/participants; valid for that retro only.",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ParticipantBearer>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ParticipantBearer.SchemeName, context.Document)] = [] });
                }
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    /// <summary>The document at /openapi/v1.json and a browsable UI at /swagger.</summary>
    public static WebApplication MapRetroApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "RetroIm WebApi v1");
            o.RoutePrefix = "swagger";
        });
        return app;
    }
}
