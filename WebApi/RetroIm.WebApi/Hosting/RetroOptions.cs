using System.ComponentModel.DataAnnotations;

namespace RetroIm.WebApi.Hosting;

/// <summary>The "Retro" configuration section.</summary>
internal sealed class RetroOptions
{
    public const string SectionName = "Retro";

    /// <summary>SQLite file path, relative to the content root; <c>ConnectionStrings:Retro</c> wins when set.</summary>
    [Required]
    public string Database { get; set; } = "data/retro.db";

    [Range(1, 100)]
    public int VotesPerParticipant { get; set; } = 3;

    [Range(1, 36500)]
    public int ActivityRetentionDays { get; set; } = 30;
}
