using RetroIm.WebApi.Activity;
using RetroIm.WebApi.Presence;
using RetroIm.WebApi.Push;
using RetroIm.WebApi.Retros;
using RetroIm.WebApi.Topics;
using RetroIm.WebApi.Typing;
using RetroIm.WebApi.Writes;

namespace RetroIm.WebApi.Hosting;

internal static class DomainExtensions
{
    /// <summary>Retro commands and reads, the push publisher and the presence relay.</summary>
    public static WebApplicationBuilder AddRetroDomain(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RetroPublisher>();
        builder.Services.AddSingleton<RetroWriter>();
        builder.Services.AddSingleton<RetroCommands>();
        builder.Services.AddSingleton<RetroBoardReader>();
        builder.Services.AddSingleton<TopicCommands>();
        builder.Services.AddSingleton<ActivityReader>();
        builder.Services.AddHostedService<PresenceService>();
        builder.Services.AddHostedService<TypingService>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, RetroJsonContext.Default));
        return builder;
    }
}
